export { LAMBDA_RUNTIME, LambdaFunction, type LambdaFunctionProps } from "./lambda-function";
