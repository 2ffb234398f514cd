export { RolesAnywhereTrust, type RolesAnywhereTrustProps } from "./roles-anywhere-trust";
