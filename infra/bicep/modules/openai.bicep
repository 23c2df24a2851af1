// Azure OpenAI with two deployments: a cheaper model for the text-heavy roles and a stronger one for code.
// Keys are disabled; the app calls it with its managed identity (Cognitive Services OpenAI User).
import { modelDeployment } from 'types.bicep'

param name string
param location string
param tags object

param deployments modelDeployment[]

resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
  name: name
  location: location
  tags: tags
  kind: 'OpenAI'
  sku: {
    name: 'S0'
  }
  properties: {
    // A custom subdomain is required for Entra ID authentication.
    customSubDomainName: name
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

// One at a time: the service rejects concurrent deployment changes on one account.
@batchSize(1)
resource modelDeployments 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = [
  for d in deployments: {
    parent: account
    name: d.name
    sku: {
      name: d.sku
      capacity: d.capacity
    }
    properties: {
      model: {
        format: 'OpenAI'
        name: d.model
        version: d.version
      }
      // A pinned version stops working when it retires; following the service's new default version keeps the
      // deployment alive (the provider's API version and structured outputs are shared across the GPT-5 series).
      versionUpgradeOption: 'OnceNewDefaultVersionAvailable'
    }
  }
]

output id string = account.id
output name string = account.name
output endpoint string = account.properties.endpoint
output deploymentNames string[] = [for (d, i) in deployments: modelDeployments[i].name]
