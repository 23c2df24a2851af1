// Shared parameter types, imported by main.bicep and the modules that take them.

@export()
@description('An Azure OpenAI model deployment.')
type modelDeployment = {
  @description('Deployment name the app calls (AZURE_OPENAI_DEPLOYMENT_*).')
  name: string
  @description('Model name, e.g. gpt-5.4-mini.')
  model: string
  @description('Model version, e.g. 2026-03-17.')
  version: string
  @description('Deployment SKU, e.g. GlobalStandard or Standard.')
  sku: string
  @description('Capacity in thousands of tokens per minute.')
  @minValue(1)
  capacity: int
}

@export()
@description('A topic subscription that receives only the events its SQL filter matches.')
type eventSubscription = {
  @description('Subscription name.')
  name: string
  @description('Service Bus SQL filter over application properties, e.g. type = \'factory.DeploymentSuccessful\'.')
  sqlFilter: string
}
