// The 例規 Q&A bot on Azure: Azure Bot (Teams channel) → App Service (python app.py serve) →
// Azure AI Search (hybrid + semantic ranker) and Azure OpenAI (answers, embeddings).
// No keys anywhere: managed identities and role assignments only (modules/roles.bicep).
// privateNetworking=true is the 閉域/LGWAN option: Search, OpenAI, the state storage (and Key Vault)
// lose their public endpoints and are reached through private endpoints from the app's VNet integration.
//
// Deploy: infra/README.md.

targetScope = 'resourceGroup'

@description('Short prefix for resource names (letters and digits).')
@minLength(3)
@maxLength(12)
param name string = 'reiki'

param location string = resourceGroup().location

@description('閉域/LGWAN: public network access off for Search, OpenAI, the state storage and Key Vault; VNet, private endpoints and private DNS zones on; the app reaches them through VNet integration.')
param privateNetworking bool = false

@description('UserAssignedMSI (default): the bot is the app\'s managed identity, no secret. SingleTenant: an existing app registration whose secret lives in Key Vault.')
@allowed([
  'UserAssignedMSI'
  'SingleTenant'
])
param botAuth string = 'UserAssignedMSI'

@description('SingleTenant only: the client id of the bot\'s app registration (created outside this template).')
param botAppRegistrationId string = ''

param botDisplayName string = '例規検索ボット'

@allowed([
  'F0'
  'S1'
])
param botSku string = 'F0'

param appServiceSku string = 'B1'

@minValue(1)
param appInstanceCount int = 1

@allowed([
  'basic'
  'standard'
  'standard2'
])
param searchSku string = 'basic'

@minValue(1)
@maxValue(12)
param searchReplicaCount int = 2

@allowed([
  'free'
  'standard'
])
param semanticSearch string = 'standard'

@description('Index name; the app creates it with `python app.py index` (REIKI_AZURE_SEARCH_INDEX).')
param searchIndexName string = 'reiki-passages'

@description('Region of the Azure OpenAI account; model availability differs by region.')
param openAiLocation string = location

param chatModelName string = 'gpt-4o-mini'

param chatModelVersion string = '2024-07-18'

@description('GlobalStandard, DataZoneStandard, or Standard to keep processing in openAiLocation.')
param chatDeploymentSku string = 'GlobalStandard'

@description('Thousands of tokens per minute.')
param chatCapacity int = 30

param embeddingModelName string = 'text-embedding-3-small'

param embeddingModelVersion string = '1'

param embeddingDeploymentSku string = 'Standard'

param embeddingCapacity int = 30

@description('Must match the index\'s vector field (REIKI_AZURE_OPENAI_EMBEDDING_DIMENSIONS).')
param embeddingDimensions int = 1536

@description('REIKI_STATE_TABLE_NAME: the Azure Table that holds conversation history, answered-message records and feedback.')
@minLength(3)
@maxLength(63)
param stateTableName string = 'reikibotstate'

@description('REIKI_GROUP_RESOLVER: none = askers see public documents only; graph = restricted documents by Entra group membership, read from Microsoft Graph as the app\'s identity (needs the GroupMember.Read.All app role, granted once by an admin: infra/README.md).')
@allowed([
  'none'
  'graph'
])
param groupResolver string = 'none'

@description('REIKI_SENSITIVITY_LABEL shown on every answer in Teams; empty = no label.')
param sensitivityLabel string = '庁内限り'

@description('REIKI_SENSITIVITY_DESCRIPTION: the label\'s explanation.')
param sensitivityDescription string = '庁内での参考用です。外部に転送しないでください。'

@description('REIKI_HELP_DESK: the desk an abstention tells the asker to contact.')
param helpDesk string = '総務部 総務課'

@description('Optional Entra group (or user) of operators who run the indexer from a workstation and set the bot secret.')
param adminPrincipalId string = ''

@allowed([
  'Group'
  'User'
  'ServicePrincipal'
])
param adminPrincipalType string = 'Group'

@description('Entra object ids allowed to run /reindex and /status in Teams (comma separated; REIKI_ADMIN_OBJECT_IDS).')
param adminObjectIds string = ''

@description('Also give the app\'s identity index-writing roles, so /reindex works from Teams.')
param appManagesIndex bool = false

param vnetAddressPrefix string = '10.40.0.0/16'

param appSubnetPrefix string = '10.40.1.0/24'

param privateEndpointSubnetPrefix string = '10.40.2.0/24'

@minValue(30)
@maxValue(730)
param logRetentionDays int = 90

param tags object = {
  workload: 'reiki-bot'
}

var suffix = take(uniqueString(resourceGroup().id, name), 5)
var baseName = '${toLower(name)}-${suffix}'
// Storage account names allow lower-case letters and digits only, 3 to 24 of them.
var storageName = take('st${replace(toLower(name), '-', '')}${suffix}', 24)
var hasVault = botAuth == 'SingleTenant'
// The one place the 閉域 switch decides public access for the data services.
var dataServicesPublicAccess = privateNetworking ? 'Disabled' : 'Enabled'

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    name: baseName
    location: location
    tags: tags
    retentionInDays: logRetentionDays
  }
}

module appIdentity 'modules/identity.bicep' = {
  name: 'app-identity'
  params: {
    identityName: 'id-${baseName}-app'
    location: location
    tags: tags
  }
}

module indexerIdentity 'modules/identity.bicep' = {
  name: 'indexer-identity'
  params: {
    identityName: 'id-${baseName}-indexer'
    location: location
    tags: tags
  }
}

module openAi 'modules/openai.bicep' = {
  name: 'openai'
  params: {
    name: 'oai-${baseName}'
    location: openAiLocation
    tags: tags
    publicNetworkAccess: dataServicesPublicAccess
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
    chatModelName: chatModelName
    chatModelVersion: chatModelVersion
    chatDeploymentSku: chatDeploymentSku
    chatCapacity: chatCapacity
    embeddingModelName: embeddingModelName
    embeddingModelVersion: embeddingModelVersion
    embeddingDeploymentSku: embeddingDeploymentSku
    embeddingCapacity: embeddingCapacity
  }
}

module search 'modules/search.bicep' = {
  name: 'search'
  params: {
    name: 'srch-${baseName}'
    location: location
    tags: tags
    sku: searchSku
    replicaCount: searchReplicaCount
    semanticSearch: semanticSearch
    publicNetworkAccess: dataServicesPublicAccess
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
    openAiAccountId: openAi.outputs.id
  }
}

// Conversation state shared by every app instance (REIKI_STATE_BACKEND=azure_table).
module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: storageName
    location: location
    tags: tags
    tableName: stateTableName
    publicNetworkAccess: dataServicesPublicAccess
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module keyVault 'modules/keyvault.bicep' = if (hasVault) {
  name: 'keyvault'
  params: {
    name: 'kv-${baseName}'
    location: location
    tags: tags
    publicNetworkAccess: dataServicesPublicAccess
  }
}

module network 'modules/network.bicep' = if (privateNetworking) {
  name: 'network'
  params: {
    name: baseName
    location: location
    tags: tags
    addressPrefix: vnetAddressPrefix
    appSubnetPrefix: appSubnetPrefix
    privateEndpointSubnetPrefix: privateEndpointSubnetPrefix
  }
}

module searchEndpoint 'modules/private-endpoint.bicep' = if (privateNetworking) {
  name: 'pe-search'
  params: {
    name: 'srch-${baseName}'
    location: location
    tags: tags
    vnetId: privateNetworking ? network.outputs.id : ''
    subnetId: privateNetworking ? network.outputs.privateEndpointSubnetId : ''
    targetId: search.outputs.id
    groupId: 'searchService'
    dnsZoneName: 'privatelink.search.windows.net'
  }
}

module openAiEndpoint 'modules/private-endpoint.bicep' = if (privateNetworking) {
  name: 'pe-openai'
  params: {
    name: 'oai-${baseName}'
    location: location
    tags: tags
    vnetId: privateNetworking ? network.outputs.id : ''
    subnetId: privateNetworking ? network.outputs.privateEndpointSubnetId : ''
    targetId: openAi.outputs.id
    groupId: 'account'
    dnsZoneName: 'privatelink.openai.azure.com'
  }
}

module storageEndpoint 'modules/private-endpoint.bicep' = if (privateNetworking) {
  name: 'pe-storage-table'
  params: {
    name: storageName
    location: location
    tags: tags
    vnetId: privateNetworking ? network.outputs.id : ''
    subnetId: privateNetworking ? network.outputs.privateEndpointSubnetId : ''
    targetId: storage.outputs.id
    groupId: 'table'
    dnsZoneName: 'privatelink.table.core.windows.net'
  }
}

module keyVaultEndpoint 'modules/private-endpoint.bicep' = if (privateNetworking && hasVault) {
  name: 'pe-keyvault'
  params: {
    name: 'kv-${baseName}'
    location: location
    tags: tags
    vnetId: privateNetworking ? network.outputs.id : ''
    subnetId: privateNetworking ? network.outputs.privateEndpointSubnetId : ''
    targetId: hasVault ? keyVault.outputs.id : ''
    groupId: 'vault'
    dnsZoneName: 'privatelink.vaultcore.azure.net'
  }
}

var botAppId = botAuth == 'UserAssignedMSI' ? appIdentity.outputs.clientId : botAppRegistrationId

module app 'modules/appservice.bicep' = {
  name: 'app'
  params: {
    name: baseName
    location: location
    tags: tags
    skuName: appServiceSku
    instanceCount: appInstanceCount
    identityId: appIdentity.outputs.id
    identityClientId: appIdentity.outputs.clientId
    botAuth: botAuth
    botAppId: botAppId
    keyVaultName: hasVault ? keyVault.outputs.name : ''
    searchEndpoint: search.outputs.endpoint
    searchIndexName: searchIndexName
    openAiEndpoint: openAi.outputs.endpoint
    chatDeployment: openAi.outputs.chatDeployment
    embeddingDeployment: openAi.outputs.embeddingDeployment
    embeddingDimensions: embeddingDimensions
    embeddingModel: embeddingModelName
    stateTableEndpoint: storage.outputs.tableEndpoint
    stateTableName: storage.outputs.tableName
    groupResolver: groupResolver
    sensitivityLabel: sensitivityLabel
    sensitivityDescription: sensitivityDescription
    helpDesk: helpDesk
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
    adminObjectIds: adminObjectIds
    appSubnetId: privateNetworking ? network.outputs.appSubnetId : ''
  }
}

module bot 'modules/bot.bicep' = {
  name: 'bot'
  params: {
    name: 'bot-${baseName}'
    tags: tags
    messagingEndpoint: 'https://${app.outputs.defaultHostName}/api/messages'
    botAuth: botAuth
    appId: botAppId
    identityResourceId: appIdentity.outputs.id
    sku: botSku
    displayName: botDisplayName
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    searchName: search.outputs.name
    openAiName: openAi.outputs.name
    storageName: storage.outputs.name
    keyVaultName: hasVault ? keyVault.outputs.name : ''
    appPrincipalId: appIdentity.outputs.principalId
    indexerPrincipalId: indexerIdentity.outputs.principalId
    searchPrincipalId: search.outputs.principalId
    adminPrincipalId: adminPrincipalId
    adminPrincipalType: adminPrincipalType
    appManagesIndex: appManagesIndex
  }
}

output appName string = app.outputs.name
output messagingEndpoint string = 'https://${app.outputs.defaultHostName}/api/messages'
@description('The bot id for the Teams app package (make package / python -m manifest.package --bot-id).')
output botAppId string = botAppId
output searchEndpoint string = search.outputs.endpoint
output searchIndexName string = searchIndexName
output openAiEndpoint string = openAi.outputs.endpoint
output openAiName string = openAi.outputs.name
output chatDeployment string = openAi.outputs.chatDeployment
output embeddingDeployment string = openAi.outputs.embeddingDeployment
@description('Client id for REIKI_AZURE_CLIENT_ID on the host that runs `python app.py index` as the indexing identity.')
output indexerClientId string = indexerIdentity.outputs.clientId
output indexerIdentityId string = indexerIdentity.outputs.id
output keyVaultName string = hasVault ? keyVault.outputs.name : ''
output storageName string = storage.outputs.name
output stateTableEndpoint string = storage.outputs.tableEndpoint
@description('Object id of the app\'s service principal: the principal an admin grants the Graph app role to (groupResolver=graph, infra/README.md).')
output appPrincipalId string = appIdentity.outputs.principalId
