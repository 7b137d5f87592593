// What each role may do in the console. The API decides in the end; this only hides
// buttons and pages a role cannot use.
const CAN = {
  viewFaces: ['admin', 'authority', 'manager'],
  visit: ['inspector', 'manager', 'admin'],
  assign: ['manager', 'admin'],
  decide: ['authority', 'admin'],
  alertStatus: ['manager', 'admin'],
  registerWrite: ['manager', 'admin'],
  credentials: ['admin', 'authority', 'manager'],
  enroll: ['manager', 'admin'],
  gateways: ['admin', 'authority', 'manager'],
  performance: ['admin', 'authority', 'manager'],
  audit: ['admin'],
  patrol: ['inspector', 'manager', 'admin'],
  reports: ['admin', 'authority', 'manager'],
  posters: ['manager', 'admin'],
  erase: ['manager', 'admin'],
  webhooks: ['admin', 'authority', 'manager'],
  webhooksWrite: ['manager', 'admin'],
  erasures: ['admin'],
  users: ['admin'],
};

export function can(me, what) {
  return Boolean(me && (CAN[what] || []).includes(me.role));
}
