import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { ServiceDeclaration } from '@closecross/platform';
import { cdkJsonContext } from '../lib/cdk-context.ts';
import { closecrossStackFor, type CloseCrossStack } from '../lib/closecross-stack.ts';
import { loadDeclarations } from '../lib/declarations.ts';
import type { DeploymentSettings } from '../lib/settings.ts';

/** The repository's services, as the CDK app finds them. */
export const declarations = await loadDeclarations();

/** The stack as `cdk synth` builds it from cdk.json's context, plus `-c` style overrides (and, to test, other services). */
export function synthStack(
  overrides: Record<string, unknown> = {},
  services: readonly ServiceDeclaration[] = declarations,
): { template: Template; settings: DeploymentSettings; stack: CloseCrossStack } {
  const { stack, settings } = closecrossStackFor(new App({ context: { ...cdkJsonContext(), ...overrides } }), services);
  return { template: Template.fromStack(stack), settings, stack };
}

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

export function resourcesOf(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.findResources(type)) as [string, Resource][];
}
