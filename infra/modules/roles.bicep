// Role assignments instead of keys: every caller gets the narrowest built-in role it needs on the one
// resource it calls. Search and Azure OpenAI have local (key) auth turned off, so these are the only
// way in.

param searchName string

param openAiName string

@description('The state storage account (conversation history, answered messages, feedback).')
param storageName string

@description('Key Vault with the bot secret; empty when the bot has none (UserAssignedMSI).')
param keyVaultName string = ''

@description('The app host\'s identity: queries the index, calls the chat and embedding deployments.')
param appPrincipalId string

@description('The indexing identity (a job or admin host): creates the index and writes documents.')
param indexerPrincipalId string

@description('The search service\'s own identity: its vectorizer embeds query text with Azure OpenAI.')
param searchPrincipalId string

@description('Optional operators (an Entra group or user) who run `python app.py index` from a workstation.')
param adminPrincipalId string = ''

@allowed([
  'Group'
  'User'
  'ServicePrincipal'
])
param adminPrincipalType string = 'Group'

@description('Also let the app write the index (Teams /reindex). Off: the serving identity can only read.')
param appManagesIndex bool = false

// Built-in role definition ids (the same in every tenant).
var searchIndexDataReader = '1407120a-92aa-4202-b7e9-c0e197c71c8f'
var searchIndexDataContributor = '8ebe5a00-799e-43f5-93ac-243d3dce84a7'
// Index management (create or update the index schema) is a control-plane-and-data action of this role.
var searchServiceContributor = '7ca78c08-252a-4471-8644-bb5ff32d4ba0'
var cognitiveServicesOpenAiUser = '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd'
// Entities and tables: the app creates the table if missing and reads/writes its rows.
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

var hasAdmin = !empty(adminPrincipalId)
var hasVault = !empty(keyVaultName)

resource search 'Microsoft.Search/searchServices@2024-06-01-preview' existing = {
  name: searchName
}

resource openAi 'Microsoft.CognitiveServices/accounts@2024-10-01' existing = {
  name: openAiName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = if (hasVault) {
  name: hasVault ? keyVaultName : 'unused'
}

// --- the app host ------------------------------------------------------------------------------
resource appSearchReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(search.id, appPrincipalId, searchIndexDataReader)
  scope: search
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', searchIndexDataReader)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appOpenAiUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(openAi.id, appPrincipalId, cognitiveServicesOpenAiUser)
  scope: openAi
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', cognitiveServicesOpenAiUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// On the account, which holds this one table only: the app's create-table call at start is then
// allowed (a table-scoped assignment would not cover it).
resource appStateWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appPrincipalId, storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appSearchWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (appManagesIndex) {
  name: guid(search.id, appPrincipalId, searchIndexDataContributor)
  scope: search
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', searchIndexDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appSearchManager 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (appManagesIndex) {
  name: guid(search.id, appPrincipalId, searchServiceContributor)
  scope: search
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', searchServiceContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (hasVault) {
  name: guid(vault.id, appPrincipalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// --- the indexing identity -----------------------------------------------------------------------
resource indexerSearchWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(search.id, indexerPrincipalId, searchIndexDataContributor)
  scope: search
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', searchIndexDataContributor)
    principalId: indexerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource indexerSearchManager 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(search.id, indexerPrincipalId, searchServiceContributor)
  scope: search
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', searchServiceContributor)
    principalId: indexerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource indexerOpenAiUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(openAi.id, indexerPrincipalId, cognitiveServicesOpenAiUser)
  scope: openAi
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', cognitiveServicesOpenAiUser)
    principalId: indexerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// --- the search service's vectorizer -------------------------------------------------------------
resource searchOpenAiUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(openAi.id, searchPrincipalId, cognitiveServicesOpenAiUser)
  scope: openAi
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', cognitiveServicesOpenAiUser)
    principalId: searchPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// --- operators running the indexer from a workstation (optional) ----------------------------------
resource adminSearchWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (hasAdmin) {
  name: guid(search.id, adminPrincipalId, searchIndexDataContributor)
  scope: search
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', searchIndexDataContributor)
    principalId: adminPrincipalId
    principalType: adminPrincipalType
  }
}

resource adminSearchManager 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (hasAdmin) {
  name: guid(search.id, adminPrincipalId, searchServiceContributor)
  scope: search
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', searchServiceContributor)
    principalId: adminPrincipalId
    principalType: adminPrincipalType
  }
}

resource adminOpenAiUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (hasAdmin) {
  name: guid(openAi.id, adminPrincipalId, cognitiveServicesOpenAiUser)
  scope: openAi
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', cognitiveServicesOpenAiUser)
    principalId: adminPrincipalId
    principalType: adminPrincipalType
  }
}

// `python app.py eval export-feedback` reads the feedback from the state table (and, like the app,
// creates the table if missing, which a reader role would refuse).
resource adminStateContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (hasAdmin) {
  name: guid(storage.id, adminPrincipalId, storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributor)
    principalId: adminPrincipalId
    principalType: adminPrincipalType
  }
}

// Operators set the bot secret's value once; the app can only read it.
resource adminSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (hasAdmin && hasVault) {
  name: guid(vault.id, adminPrincipalId, keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
    principalId: adminPrincipalId
    principalType: adminPrincipalType
  }
}
