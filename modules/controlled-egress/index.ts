export {
  CONTROLLED_EGRESS_EXCEPTION,
  ControlledEgress,
  type ControlledEgressProps,
  MAX_ALLOWED_DOMAINS,
} from "./controlled-egress";
