"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const commander_1 = require("commander");
const users_1 = require("../../cli/commands/users");
const postgres_1 = require("../../test-support/postgres");
const index_1 = require("../index");
let database;
const saved = process.env.DATABASE_URL;
beforeAll(async () => {
    database = await (0, postgres_1.createTestDatabase)('portal_users_cli');
    process.env.DATABASE_URL = database.url;
});
afterAll(async () => {
    process.env.DATABASE_URL = saved;
    await database.drop();
});
async function run(args) {
    const program = new commander_1.Command('purseflow').exitOverride();
    (0, users_1.registerUserCommands)(program);
    let out = '';
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
        out += String(chunk);
        return true;
    });
    try {
        await program.parseAsync(['node', 'purseflow', ...args]);
    }
    finally {
        write.mockRestore();
    }
    return out;
}
describe('purseflow users add', () => {
    test('creates a customer with a generated password, printed once, that signs in', async () => {
        const out = await run(['users', 'add', '--role', 'customer', '--email', 'Cara@Example.com', '--customer', 'cust-9', '--generate-password']);
        const password = /password: (\S+)/.exec(out)?.[1] ?? '';
        expect(password).toHaveLength(20);
        const user = await (0, index_1.authenticate)(database.db, 'cara@example.com', password);
        expect(user).toMatchObject({ role: 'customer', customerId: 'cust-9' });
        const [row] = await database.db('portal_users').where({ email: 'cara@example.com' });
        expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    });
    test('an operator needs no link; a merchant without --merchant is refused', async () => {
        await run(['users', 'add', '--role', 'operator', '--email', 'op2@example.com', '--generate-password']);
        await expect(run(['users', 'add', '--role', 'merchant', '--email', 'm@example.com', '--generate-password'])).rejects.toMatchObject({ code: 'user_link_invalid' });
    });
    test('the same email twice is refused', async () => {
        await run(['users', 'add', '--role', 'operator', '--email', 'twice@example.com', '--generate-password']);
        await expect(run(['users', 'add', '--role', 'operator', '--email', 'TWICE@example.com', '--generate-password'])).rejects.toMatchObject({ code: 'user_exists' });
    });
    test('an unknown role is refused by the parser', async () => {
        await expect(run(['users', 'add', '--role', 'admin', '--email', 'x@example.com', '--generate-password'])).rejects.toThrow();
    });
});
