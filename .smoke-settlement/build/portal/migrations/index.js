"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.migratePortal = migratePortal;
const users = __importStar(require("./0001_portal_users"));
const downloads = __importStar(require("./0002_portal_downloads"));
const MIGRATIONS = [
    { name: '0001_portal_users', up: users.up, down: users.down },
    { name: '0002_portal_downloads', up: downloads.up, down: downloads.down },
];
const MIGRATION_CONFIG = {
    migrationSource: {
        getMigrations: async () => [...MIGRATIONS],
        getMigrationName: (migration) => migration.name,
        getMigration: async (migration) => migration,
    },
    tableName: 'portal_migrations',
};
/** Brings the portal's tables to the latest version; safe to run on every start. */
async function migratePortal(knex) {
    await knex.migrate.latest(MIGRATION_CONFIG);
}
