export { cidrSubnet } from "./cidr";
export { DEFAULT_INTERFACE_ENDPOINTS, Network, type NetworkProps } from "./network";
