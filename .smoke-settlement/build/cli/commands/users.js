"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.registerUserCommands = registerUserCommands;
const node_crypto_1 = require("node:crypto");
const node_readline_1 = require("node:readline");
const node_stream_1 = require("node:stream");
const commander_1 = require("commander");
const knex_1 = __importDefault(require("knex"));
const portal_1 = require("../../portal");
function parseRole(value) {
    if (!portal_1.ROLES.includes(value))
        throw new commander_1.InvalidArgumentError(`role must be one of ${portal_1.ROLES.join(', ')}`);
    return value;
}
function databaseUrl() {
    const url = process.env.DATABASE_URL;
    if (!url)
        throw new portal_1.PortalError('config_invalid', 'DATABASE_URL is not set; start the services (`purseflow services up`) or set it to the PostgreSQL of purseflow.');
    return url;
}
/** Reads a line without echoing it (a password on a terminal). */
async function askHidden(question) {
    let muted = false;
    const output = new node_stream_1.Writable({
        write(chunk, _encoding, callback) {
            if (!muted)
                process.stderr.write(chunk);
            callback();
        },
    });
    const rl = (0, node_readline_1.createInterface)({ input: process.stdin, output, terminal: true });
    try {
        return await new Promise((resolve) => {
            rl.question(question, (answer) => {
                process.stderr.write('\n');
                resolve(answer);
            });
            muted = true;
        });
    }
    finally {
        rl.close();
    }
}
async function readStdinLine() {
    const rl = (0, node_readline_1.createInterface)({ input: process.stdin });
    for await (const line of rl) {
        rl.close();
        return line;
    }
    return '';
}
async function choosePassword(opts) {
    if (opts.generatePassword)
        return { password: (0, portal_1.generatePassword)(node_crypto_1.randomBytes), generated: true };
    if (!process.stdin.isTTY)
        return { password: await readStdinLine(), generated: false };
    const first = await askHidden(`Password (at least ${portal_1.MIN_PASSWORD_LENGTH} characters; empty to generate one): `);
    if (first === '')
        return { password: (0, portal_1.generatePassword)(node_crypto_1.randomBytes), generated: true };
    const second = await askHidden('Password again: ');
    if (first !== second)
        throw new portal_1.PortalError('input_invalid', 'The two passwords differ; run the command again.');
    return { password: first, generated: false };
}
function registerUserCommands(program) {
    const users = program.command('users').description('people who sign in to the portal (customers, merchants, operators)');
    users
        .command('add')
        .description('create a portal user with one role; the password is typed, piped on stdin, or generated and printed once')
        .requiredOption('--role <role>', `one of ${portal_1.ROLES.join(', ')}`, parseRole)
        .requiredOption('--email <email>', 'the sign-in email')
        .option('--customer <id>', 'role customer: the customer id in the registry')
        .option('--merchant <id>', 'role merchant: the merchant id in the registry')
        .option('--generate-password', 'generate a password and print it once')
        .action(async (opts) => {
        const linkedId = opts.role === 'customer' ? opts.customer : opts.role === 'merchant' ? opts.merchant : (opts.customer ?? opts.merchant);
        const { password, generated } = await choosePassword(opts);
        const db = (0, knex_1.default)({ client: 'pg', connection: databaseUrl(), pool: { min: 0, max: 1 } });
        try {
            await (0, portal_1.migratePortal)(db);
            const user = await (0, portal_1.addUser)(db, { email: opts.email, role: opts.role, password, linkedId });
            process.stdout.write(`created ${user.role} ${user.email}${linkedId ? ` (linked to ${linkedId})` : ''}\n`);
            if (generated)
                process.stdout.write(`password: ${password}\n(shown once; it is stored only as an Argon2id hash)\n`);
        }
        finally {
            await db.destroy();
        }
    });
}
