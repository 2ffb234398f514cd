export {
  AccessHygiene,
  type AccessHygieneProps,
  FORENSICS_DENIED_DATA_ACTIONS,
  MFA_MAX_AGE_SECONDS,
  MFA_REQUIRED_CONDITION,
  PASSWORD_POLICY,
  requireMfaTrust,
} from "./access-hygiene";
