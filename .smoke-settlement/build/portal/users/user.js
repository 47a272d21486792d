"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ROLES = void 0;
exports.normaliseEmail = normaliseEmail;
exports.addUser = addUser;
exports.findUser = findUser;
exports.authenticate = authenticate;
const errors_1 = require("../errors");
const password_1 = require("./password");
exports.ROLES = ['customer', 'merchant', 'operator'];
function toUser(row) {
    const id = Number(row.id);
    if (row.role === 'customer' && row.customer_id)
        return { id, email: row.email, role: 'customer', customerId: row.customer_id };
    if (row.role === 'merchant' && row.merchant_id)
        return { id, email: row.email, role: 'merchant', merchantId: row.merchant_id };
    if (row.role === 'operator')
        return { id, email: row.email, role: 'operator' };
    // The table's CHECK constraint makes this unreachable; fail loudly if it ever is not.
    throw new Error(`portal invariant broken: user ${id} has role ${row.role} without its link`);
}
function normaliseEmail(email) {
    return email.trim().toLowerCase();
}
async function addUser(db, user) {
    const email = normaliseEmail(user.email);
    if (!/^[^@\s]+@[^@\s]+$/.test(email))
        throw new errors_1.PortalError('input_invalid', `"${user.email}" is not an email address; type one like ann@example.com.`, { field: 'email' });
    if (!exports.ROLES.includes(user.role))
        throw new errors_1.PortalError('user_link_invalid', `Role must be one of ${exports.ROLES.join(', ')}.`, { field: 'role' });
    if (user.password.length < password_1.MIN_PASSWORD_LENGTH) {
        throw new errors_1.PortalError('input_invalid', `The password has fewer than ${password_1.MIN_PASSWORD_LENGTH} characters; choose a longer one or let purseflow generate one.`, { field: 'password' });
    }
    const linked = user.linkedId?.trim();
    if (user.role !== 'operator' && !linked) {
        throw new errors_1.PortalError('user_link_invalid', `A ${user.role} must be linked: pass --${user.role} <${user.role} id from the registry>.`);
    }
    if (user.role === 'operator' && linked)
        throw new errors_1.PortalError('user_link_invalid', 'An operator is not linked to a customer or merchant; drop the link.');
    const passwordHash = await (0, password_1.hashPassword)(user.password);
    try {
        const [row] = await db('portal_users')
            .insert({
            email,
            role: user.role,
            customer_id: user.role === 'customer' ? linked : null,
            merchant_id: user.role === 'merchant' ? linked : null,
            password_hash: passwordHash,
        })
            .returning('*');
        return toUser(row);
    }
    catch (err) {
        if (err.code === '23505')
            throw new errors_1.PortalError('user_exists', `A user with email ${email} exists already; pick another email.`, { field: 'email' });
        throw err;
    }
}
async function findUser(db, id) {
    const row = (await db('portal_users').where('id', id).first());
    return row ? toUser(row) : null;
}
/**
 * Checks email and password. Unknown email and wrong password give the same error after the same
 * work (one Argon2 verification each), so the answer does not tell which emails exist.
 */
async function authenticate(db, email, password) {
    const row = (await db('portal_users').where({ email: normaliseEmail(email) }).first());
    const ok = await (0, password_1.passwordMatches)(row ? row.password_hash : await (0, password_1.decoyPasswordHash)(), password);
    if (!row || !ok)
        throw new errors_1.PortalError('sign_in_failed', 'Email or password is wrong. Check both and try again; after several tries wait a minute.');
    return toUser(row);
}
