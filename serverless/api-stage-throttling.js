'use strict';
/**
 * A local osls plugin (no dependency, works offline): writes the REST API stage's default method
 * throttling into the CloudFormation template. osls 3 has no setting for stage throttling (its usage
 * plan throttle applies to API-key requests only), and the stage is created by the API Gateway
 * Deployment resource, whose logical id changes on every package, so `resources` cannot reach it.
 * Reads `custom.apiThrottling: { rateLimit, burstLimit }`.
 */
class ApiStageThrottling {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'after:package:compileEvents': () => this.apply() };
  }

  apply() {
    const settings = (this.serverless.service.custom ?? {}).apiThrottling;
    if (settings === undefined) return;
    const { rateLimit, burstLimit } = settings;
    if (!(Number(rateLimit) > 0) || !(Number.isInteger(Number(burstLimit)) && Number(burstLimit) > 0))
      throw new Error('custom.apiThrottling needs a positive rateLimit and a positive integer burstLimit');
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    const deployments = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGateway::Deployment');
    if (deployments.length !== 1)
      throw new Error(`custom.apiThrottling expects one API Gateway deployment, found ${deployments.length}`);
    deployments[0].Properties.StageDescription = {
      ...(deployments[0].Properties.StageDescription ?? {}),
      ThrottlingRateLimit: Number(rateLimit),
      ThrottlingBurstLimit: Number(burstLimit),
    };
  }
}

module.exports = ApiStageThrottling;
