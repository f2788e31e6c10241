import aslLanguageService from 'amazon-states-language-service';
import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { workflowSubstitutions } from '../../../src/local/step-functions/workflow-substitutions';
import { ASL_TEXT } from './workflow-fixture';

/** The DefinitionSubstitutions template.yaml passes to the state machine. */
const ALLOWED_PLACEHOLDERS = Object.keys(workflowSubstitutions());

function substituted(text: string): string {
  return text.replace(/\$\{([^}]*)\}/g, (_placeholder, name: string) => `substituted-${name}`);
}

async function languageServiceProblems(text: string): Promise<string[]> {
  const service = aslLanguageService.getLanguageService({});
  const document = aslLanguageService.TextDocument.create('file:///workflow.asl.json', 'json', 1, text);
  const diagnostics = await service.doValidation(document, service.parseJSONDocument(document));
  return diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`);
}

describe('statemachine/mitigation-workflow.asl.json', () => {
  it('uses only the placeholders that DefinitionSubstitutions fill', () => {
    // Prepare / Act
    const placeholders = [...ASL_TEXT.matchAll(/\$\{([^}]*)\}/g)].map((match) => match[1]);

    // Assess
    expect(new Set(placeholders)).toEqual(new Set(ALLOWED_PLACEHOLDERS));
  });

  it('passes asl-validator (transitions, reachability, paths, ARNs)', () => {
    // Prepare
    const definition = JSON.parse(substituted(ASL_TEXT));

    // Act
    const { isValid, errorsText } = aslValidator(definition, { checkArn: true, checkPaths: true });

    // Assess
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
  });

  it('passes amazon-states-language-service (field names, Retry fields, JitterStrategy)', async () => {
    // Prepare
    const text = substituted(ASL_TEXT);

    // Act
    const problems = await languageServiceProblems(text);

    // Assess
    expect(problems).toEqual([]);
  });

  it('would report a misspelled Retry field (the language service check is live)', async () => {
    // Prepare
    const misspelled = substituted(ASL_TEXT).replace('"BackoffRate"', '"BackofRate"');

    // Act
    const problems = await languageServiceProblems(misspelled);

    // Assess
    expect(problems).toHaveLength(1);
  });

  it('has a Comment on every state', () => {
    // Prepare
    const { States } = JSON.parse(ASL_TEXT) as { States: Record<string, { Comment?: string }> };

    // Act
    const uncommented = Object.entries(States).filter(([, state]) => !state.Comment?.trim());

    // Assess
    expect(uncommented.map(([name]) => name)).toEqual([]);
  });
});
