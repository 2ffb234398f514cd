export { OrganizationGuardrails, type OrganizationGuardrailsProps } from "./organization-guardrails";
