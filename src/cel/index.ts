// Public API of the DRA device-selector CEL environment (see design/cel.md).
//
//   compileSelector(expression)    → a cached compiled selector, or the reason it is invalid
//   deviceActivation(device)       → the `device` variable for one published device
//   selector.matches(activation)   → true only when the selector evaluates to boolean true
//   deviceContentKey(device)       → equal for devices every selector sees alike
//   evaluate(expression, vars)     → general evaluation, for tests and tools
export { compileSelector, evaluate, MAX_EXPRESSION_LENGTH } from './compile.js';
export type { CompiledSelector, EvaluationResult, SelectorCompileResult } from './compile.js';
export { deviceActivation, deviceContentKey } from './device.js';
export { MAX_ITERATIONS, MAX_SELECTOR_COST } from './limits.js';
export type { DeviceActivation } from './device.js';
