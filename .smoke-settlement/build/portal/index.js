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
var __exportStar = (this && this.__exportStar) || function(m, exports) {
    for (var p in m) if (p !== "default" && !Object.prototype.hasOwnProperty.call(exports, p)) __createBinding(exports, m, p);
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.TemporalParts = exports.PortalError = exports.MIN_PASSWORD_LENGTH = exports.generatePassword = exports.ROLES = exports.findUser = exports.authenticate = exports.addUser = exports.migratePortal = exports.DEFAULT_LIMITS = exports.DEFAULT_PORTAL_PORT = exports.parseSessionKey = exports.readPortalEnvironment = exports.toPortalError = exports.startPortal = exports.buildPortal = void 0;
/**
 * The portal's public face: the web app for customers, merchants and operators (issue 7).
 * cli/ composes it with the workflows client and the ledger's read-only queries.
 */
var server_1 = require("./server");
Object.defineProperty(exports, "buildPortal", { enumerable: true, get: function () { return server_1.buildPortal; } });
Object.defineProperty(exports, "startPortal", { enumerable: true, get: function () { return server_1.startPortal; } });
Object.defineProperty(exports, "toPortalError", { enumerable: true, get: function () { return server_1.toPortalError; } });
var config_1 = require("./config");
Object.defineProperty(exports, "readPortalEnvironment", { enumerable: true, get: function () { return config_1.readPortalEnvironment; } });
Object.defineProperty(exports, "parseSessionKey", { enumerable: true, get: function () { return config_1.parseSessionKey; } });
Object.defineProperty(exports, "DEFAULT_PORTAL_PORT", { enumerable: true, get: function () { return config_1.DEFAULT_PORTAL_PORT; } });
var context_1 = require("./context");
Object.defineProperty(exports, "DEFAULT_LIMITS", { enumerable: true, get: function () { return context_1.DEFAULT_LIMITS; } });
var migrations_1 = require("./migrations");
Object.defineProperty(exports, "migratePortal", { enumerable: true, get: function () { return migrations_1.migratePortal; } });
var user_1 = require("./users/user");
Object.defineProperty(exports, "addUser", { enumerable: true, get: function () { return user_1.addUser; } });
Object.defineProperty(exports, "authenticate", { enumerable: true, get: function () { return user_1.authenticate; } });
Object.defineProperty(exports, "findUser", { enumerable: true, get: function () { return user_1.findUser; } });
Object.defineProperty(exports, "ROLES", { enumerable: true, get: function () { return user_1.ROLES; } });
var password_1 = require("./users/password");
Object.defineProperty(exports, "generatePassword", { enumerable: true, get: function () { return password_1.generatePassword; } });
Object.defineProperty(exports, "MIN_PASSWORD_LENGTH", { enumerable: true, get: function () { return password_1.MIN_PASSWORD_LENGTH; } });
var errors_1 = require("./errors");
Object.defineProperty(exports, "PortalError", { enumerable: true, get: function () { return errors_1.PortalError; } });
__exportStar(require("./ports"), exports);
var temporal_parts_1 = require("./bindings/temporal-parts");
Object.defineProperty(exports, "TemporalParts", { enumerable: true, get: function () { return temporal_parts_1.TemporalParts; } });
