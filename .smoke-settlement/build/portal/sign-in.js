"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.signIn = signIn;
exports.signOut = signOut;
exports.homeOf = homeOf;
exports.afterSignIn = afterSignIn;
const errors_1 = require("./errors");
const user_1 = require("./users/user");
/** Checks the credentials and starts a fresh session; the same handler serves page and API. */
async function signIn(ctx, request, input) {
    const email = typeof input.email === 'string' ? input.email : '';
    const password = typeof input.password === 'string' ? input.password : '';
    if (email === '' || password === '')
        throw new errors_1.PortalError('sign_in_failed', 'Type your email and your password.');
    const user = await (0, user_1.authenticate)(ctx.db, email, password);
    // A new session on sign-in: nothing of the anonymous session (its CSRF secret) carries over.
    request.session.regenerate();
    request.session.set('user', user);
    request.portalUser = user;
    return user;
}
function signOut(request) {
    request.session.delete();
    request.portalUser = null;
}
/** Where a role starts. */
function homeOf(user) {
    if (!user)
        return '/sign-in';
    return `/${user.role}`;
}
/**
 * Where to go after signing in: the page that sent the person to sign in, if it is a path of this
 * site (never another site: "//evil.example" and "/\\evil" are refused), else the role's start.
 */
function afterSignIn(user, next) {
    if (typeof next === 'string' && /^\/(?![/\\])[A-Za-z0-9/_.~%?=&-]*$/.test(next) && next.startsWith(`/${user.role}`))
        return next;
    return homeOf(user);
}
