export { HttpApi, type HttpApiProps, type HttpApiRoute } from "./http-api";
