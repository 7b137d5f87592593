// What the signed-in user's role may do in the console, as GET /api/v1/auth/me says
// (`can`, from anju_platform/console/roles.py). The API decides in the end; this only
// hides buttons and pages a role cannot use.
export function can(me, what) {
  return Boolean(me && (me.can || []).includes(what));
}
