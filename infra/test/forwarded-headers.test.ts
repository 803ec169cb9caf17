import { describe, expect, it } from 'vitest';
import { declarations, resourcesOf, synthStack } from './synth-stack.ts';

describe('forwarded headers and public URLs on AWS', () => {
  it('every task believes X-Forwarded-* only from the VPC (the ALB) and builds returned URLs from the ALB, never from request headers', () => {
    const { template } = synthStack();
    const containers = resourcesOf(template, 'AWS::ECS::TaskDefinition').flatMap(
      ([, task]) => task.Properties.ContainerDefinitions as { Name: string; Environment?: { Name: string; Value: unknown }[] }[],
    );
    const serviceContainers = containers.filter((container) => declarations.some((declaration) => declaration.name === container.Name));
    expect(serviceContainers.map((container) => container.Name).sort()).toEqual(declarations.map((declaration) => declaration.name).sort());
    for (const container of serviceContainers) {
      const environment = Object.fromEntries((container.Environment ?? []).map((variable) => [variable.Name, variable.Value]));
      expect(environment.TRUSTED_PROXIES, container.Name).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/Vpc/), 'CidrBlock'] });
      expect(JSON.stringify(environment.PUBLIC_BASE_URL), container.Name).toMatch(
        /^\{"Fn::Join":\["",\["http:\/\/",\{"Fn::GetAtt":\["[^"]*LoadBalancer[^"]*","DNSName"\]\}\]\]\}$/,
      );
    }
  });
});
