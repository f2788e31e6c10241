// asl-validator 4 ships no type declarations: the part of its API these tests use.
declare module 'asl-validator' {
  interface AslValidatorOptions {
    checkPaths?: boolean;
    checkArn?: boolean;
  }
  interface AslValidatorResult {
    isValid: boolean;
    errorsText: (separator?: string) => string;
  }
  // biome-ignore lint/style/noDefaultExport: declares the package's own default export.
  export default function aslValidator(
    definition: unknown,
    options?: AslValidatorOptions,
  ): AslValidatorResult;
}
