/** IPv4 CIDR arithmetic for config validation: the one implementation lives with the constructs. */
export { type Cidr, isPrivate, overlaps, parseCidr } from '../../constructs/core/patterns';
