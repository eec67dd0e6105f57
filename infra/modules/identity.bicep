// A user-assigned managed identity. The bot and its host share one (the Azure Bot's msaAppId is its
// client id, so no app registration or secret exists); index writing uses a second one.

param identityName string

param location string

param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: identityName
  location: location
  tags: tags
}

output id string = identity.id
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
