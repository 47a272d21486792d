"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SESSION_COOKIE = void 0;
exports.readSessionUser = readSessionUser;
exports.isApiRequest = isApiRequest;
exports.requireRole = requireRole;
exports.notFound = notFound;
exports.userOfRole = userOfRole;
exports.csrfTokenFor = csrfTokenFor;
exports.csrfUserInfo = csrfUserInfo;
const errors_1 = require("./errors");
exports.SESSION_COOKIE = 'purseflow_session';
function readSessionUser(request) {
    const user = request.session.get('user') ?? null;
    request.portalUser = user;
    const data = request.session.data() ?? {};
    request.sessionLapsed = user === null && exports.SESSION_COOKIE in request.cookies && Object.keys(data).length === 0;
}
function isApiRequest(request) {
    return request.url.startsWith('/api/');
}
/**
 * Lets only `role` through. Signed out: pages go to the sign-in page, the API answers 401. Signed
 * in with another role: 404, as if the route did not exist.
 */
function requireRole(role) {
    return async function guard(request, reply) {
        const user = request.portalUser;
        if (!user) {
            if (!isApiRequest(request) && request.method === 'GET') {
                const next = encodeURIComponent(request.url);
                await reply.redirect(`/sign-in?next=${next}${request.sessionLapsed ? '&expired=1' : ''}`, 303);
                return;
            }
            throw request.sessionLapsed
                ? new errors_1.PortalError('session_expired', 'Your session has expired; sign in again.')
                : new errors_1.PortalError('not_signed_in', 'Sign in first.');
        }
        if (user.role !== role)
            throw notFound();
    };
}
function notFound() {
    return new errors_1.PortalError('not_found', 'There is nothing here. Check the address, or go back to the start page.');
}
function userOfRole(request, role) {
    const user = request.portalUser;
    // The route's guard let the request through; a mismatch here is a wiring bug.
    if (!user || user.role !== role)
        throw new Error(`portal invariant broken: route for ${role} reached without its guard`);
    return user;
}
/** The CSRF token for the next state-changing request, bound to who is signed in. */
function csrfTokenFor(request, reply) {
    return reply.generateCsrf({ userInfo: csrfUserInfo(request) });
}
function csrfUserInfo(request) {
    return String(request.session.get('user')?.id ?? 'anonymous');
}
