export { freePort } from '../../src/group/local-group.js';
