// Azure Bot registration with the Microsoft Teams channel. Its identity is the user-assigned managed
// identity the app host runs as (msaAppType UserAssignedMSI): no password exists to rotate or leak.
// botAuth=SingleTenant is for tenants whose policy requires an app registration instead.

param name string

param tags object = {}

@description('HTTPS endpoint Bot Framework posts activities to.')
param messagingEndpoint string

@allowed([
  'UserAssignedMSI'
  'SingleTenant'
])
param botAuth string

@description('UserAssignedMSI: the identity\'s client id. SingleTenant: the app registration\'s client id.')
param appId string

@description('The user-assigned identity\'s resource id (UserAssignedMSI only).')
param identityResourceId string

@description('F0 is free for the Teams channel (a standard channel); S1 only matters for premium channels.')
@allowed([
  'F0'
  'S1'
])
param sku string = 'F0'

param displayName string

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: name
  location: 'global'
  tags: tags
  kind: 'azurebot'
  sku: {
    name: sku
  }
  properties: {
    displayName: displayName
    endpoint: messagingEndpoint
    msaAppId: appId
    msaAppType: botAuth
    msaAppTenantId: tenant().tenantId
    msaAppMSIResourceId: botAuth == 'UserAssignedMSI' ? identityResourceId : null
    disableLocalAuth: true
  }
}

resource teams 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
      deploymentEnvironment: 'CommercialDeployment'
    }
  }
}

output name string = bot.name
