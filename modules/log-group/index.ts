export { LOG_RETENTION_DAYS, LogGroup, type LogGroupProps } from "./log-group";
