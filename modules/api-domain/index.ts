export { API_DOMAIN_SECURITY_POLICY, ApiDomain, type ApiDomainProps } from "./api-domain";
