/** The part of asl-validator's API the tests use; the package ships no types. */
declare module 'asl-validator' {
  interface ValidationOptions {
    /** Check that every Task's Resource is an ARN. */
    checkArn?: boolean
    /** Check the JSONPath expressions. */
    checkPaths?: boolean
  }

  interface ValidationResult {
    isValid: boolean
    errors: { message?: string }[]
    errorsText(separator?: string): string
  }

  export default function aslValidator(
    definition: unknown,
    options?: ValidationOptions,
  ): ValidationResult
}
