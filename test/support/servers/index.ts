export { startAzurite, type AzuriteServer } from './azurite';
export { startCosmos, type CosmosServer } from './cosmos';
export {
  startServiceBusBroker,
  type BrokerMessage,
  type BrokerOptions,
  type ServiceBusBroker,
  type SubscriptionOptions,
} from './serviceBusBroker';
export { startFaultProxy, type FaultProxy } from './faultProxy';
export { startAzureServers, type AzureServers } from './azureServers';
export { startGitHttpServer, type GitHttpServer } from './gitHttpServer';
export { startGitHosting, type GitHosting } from './gitHosting';
