"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.up = up;
exports.down = down;
/**
 * The portal's own tables. Why:
 * - email is stored lower-cased and unique, so "Ann@x" and "ann@x" are one person;
 * - one role per user, and the link matches the role (a customer has a customer id and no
 *   merchant id, …), checked by the database so that no code path can create a half user;
 * - the audit trail is append-only: operators' actions are evidence, never edited.
 */
async function up(knex) {
    await knex.raw(`
    CREATE TABLE portal_users (
      id bigserial PRIMARY KEY,
      email text NOT NULL UNIQUE CHECK (email = lower(email) AND email ~ '^[^@\\s]+@[^@\\s]+$'),
      role text NOT NULL CHECK (role IN ('customer', 'merchant', 'operator')),
      customer_id text,
      merchant_id text,
      password_hash text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK (
        (role = 'customer' AND customer_id IS NOT NULL AND merchant_id IS NULL) OR
        (role = 'merchant' AND merchant_id IS NOT NULL AND customer_id IS NULL) OR
        (role = 'operator' AND customer_id IS NULL AND merchant_id IS NULL)
      )
    );

    CREATE TABLE portal_audit (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      user_id bigint NOT NULL REFERENCES portal_users (id),
      action text NOT NULL,
      workflow_id text NOT NULL,
      evidence text NOT NULL,
      outcome text NOT NULL
    );
    CREATE INDEX portal_audit_workflow ON portal_audit (workflow_id, at);

    CREATE RULE portal_audit_no_update AS ON UPDATE TO portal_audit DO INSTEAD NOTHING;
    CREATE RULE portal_audit_no_delete AS ON DELETE TO portal_audit DO INSTEAD NOTHING;
  `);
}
async function down(knex) {
    await knex.raw('DROP TABLE IF EXISTS portal_audit; DROP TABLE IF EXISTS portal_users;');
}
