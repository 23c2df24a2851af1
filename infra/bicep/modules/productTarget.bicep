// What the factory's identity may do in the resource group that products are deployed to (ADR 0054): create and
// change any resource there (Contributor), and assign to the products' own identities only the roles a product
// template grants (Role Based Access Control Administrator with a condition). Nothing outside this group.
@description('Object id of the factory\'s identity.')
param principalId string

@description('Known before deployment (the identity\'s resource id); seeds the assignment names so that What-If can predict them.')
param principalKey string

// Built-in role definition ids (the same in every tenant).
var roles = {
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c'
  roleBasedAccessControlAdministrator: 'f58310d9-a9f6-439a-9e8d-f62e7b41a168'
}

// The roles a product template assigns to its own identities: AcrPull (pulling its images), Azure Service Bus
// Data Sender and Data Receiver (its messaging). A literal list, so that the compiled condition can be checked.
var assignableRoles = '7f951dda-4ed3-4680-a7ca-43fe172d538d, 69a216fc-b8fb-44d8-bc22-1f3c2cd27a39, 4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'

// Writes and deletes of role assignments are allowed only for the roles above, and only to service principals
// (the products' managed identities): the factory cannot grant itself, a person or a group anything.
var condition = '((!(ActionMatches{\'Microsoft.Authorization/roleAssignments/write\'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${assignableRoles}} AND @Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {\'ServicePrincipal\'})) AND ((!(ActionMatches{\'Microsoft.Authorization/roleAssignments/delete\'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${assignableRoles}}))'

resource contributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalKey, roles.contributor)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.contributor)
  }
}

resource roleAssignmentAdministrator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalKey, roles.roleBasedAccessControlAdministrator)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      roles.roleBasedAccessControlAdministrator
    )
    condition: condition
    conditionVersion: '2.0'
  }
}
