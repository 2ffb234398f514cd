export { cidrSubnet } from "./cidr";
export { DEFAULT_INTERFACE_ENDPOINTS, type InternetEgressOptions, Network, type NetworkProps } from "./network";
