import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { Command, InvalidArgumentError } from 'commander';
import knex from 'knex';
import { addUser, generatePassword, migratePortal, MIN_PASSWORD_LENGTH, PortalError, ROLES, type Role } from '../../portal';

/**
 * `purseflow users add`: creates a portal user with one role. The password is typed (twice, not
 * echoed), read from standard input when that is not a terminal, or generated and printed once.
 */
interface AddOptions {
  role: Role;
  email: string;
  customer?: string;
  merchant?: string;
  generatePassword?: boolean;
}

function parseRole(value: string): Role {
  if (!(ROLES as readonly string[]).includes(value)) throw new InvalidArgumentError(`role must be one of ${ROLES.join(', ')}`);
  return value as Role;
}

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new PortalError('config_invalid', 'DATABASE_URL is not set; start the services (`purseflow services up`) or set it to the PostgreSQL of purseflow.');
  return url;
}

/** Reads a line without echoing it (a password on a terminal). */
async function askHidden(question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, callback) {
      if (!muted) process.stderr.write(chunk);
      callback();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    return await new Promise<string>((resolve) => {
      rl.question(question, (answer) => {
        process.stderr.write('\n');
        resolve(answer);
      });
      muted = true;
    });
  } finally {
    rl.close();
  }
}

async function readStdinLine(): Promise<string> {
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return '';
}

async function choosePassword(opts: AddOptions): Promise<{ password: string; generated: boolean }> {
  if (opts.generatePassword) return { password: generatePassword(randomBytes), generated: true };
  if (!process.stdin.isTTY) return { password: await readStdinLine(), generated: false };
  const first = await askHidden(`Password (at least ${MIN_PASSWORD_LENGTH} characters; empty to generate one): `);
  if (first === '') return { password: generatePassword(randomBytes), generated: true };
  const second = await askHidden('Password again: ');
  if (first !== second) throw new PortalError('input_invalid', 'The two passwords differ; run the command again.');
  return { password: first, generated: false };
}

export function registerUserCommands(program: Command): void {
  const users = program.command('users').description('people who sign in to the portal (customers, merchants, operators)');
  users
    .command('add')
    .description('create a portal user with one role; the password is typed, piped on stdin, or generated and printed once')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`, parseRole)
    .requiredOption('--email <email>', 'the sign-in email')
    .option('--customer <id>', 'role customer: the customer id in the registry')
    .option('--merchant <id>', 'role merchant: the merchant id in the registry')
    .option('--generate-password', 'generate a password and print it once')
    .action(async (opts: AddOptions) => {
      const linkedId = opts.role === 'customer' ? opts.customer : opts.role === 'merchant' ? opts.merchant : (opts.customer ?? opts.merchant);
      const { password, generated } = await choosePassword(opts);
      const db = knex({ client: 'pg', connection: databaseUrl(), pool: { min: 0, max: 1 } });
      try {
        await migratePortal(db);
        const user = await addUser(db, { email: opts.email, role: opts.role, password, linkedId });
        process.stdout.write(`created ${user.role} ${user.email}${linkedId ? ` (linked to ${linkedId})` : ''}\n`);
        if (generated) process.stdout.write(`password: ${password}\n(shown once; it is stored only as an Argon2id hash)\n`);
      } finally {
        await db.destroy();
      }
    });
}
