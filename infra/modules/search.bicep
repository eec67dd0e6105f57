// Azure AI Search: Entra ID only (no admin or query keys), semantic ranker on, and a system-assigned
// identity that the index's Azure OpenAI vectorizer uses to embed query text.

param name string

param location string

param tags object = {}

@description('basic is enough for one city\'s regulations (vectors of a few thousand articles); semantic ranker needs basic or above.')
@allowed([
  'basic'
  'standard'
  'standard2'
])
param sku string = 'basic'

@description('Two replicas give the query SLA; index updates are a batch job that can be re-run.')
@minValue(1)
@maxValue(12)
param replicaCount int = 2

@allowed([
  'free'
  'standard'
])
param semanticSearch string = 'standard'

@description('Disabled with privateNetworking (閉域/LGWAN): reached through a private endpoint only.')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string = 'Disabled'

var privateNetworking = publicNetworkAccess == 'Disabled'

param logAnalyticsWorkspaceId string

@description('Azure OpenAI account the vectorizer calls; with privateNetworking a shared private link is requested to it.')
param openAiAccountId string

resource search 'Microsoft.Search/searchServices@2024-06-01-preview' = {
  // checkov:skip=CKV_AZURE_208: index updates are a re-runnable batch job (python app.py index); the read-write SLA's third replica is not worth its cost here
  name: name
  location: location
  tags: tags
  sku: {
    name: sku
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    replicaCount: replicaCount
    partitionCount: 1
    hostingMode: 'default'
    semanticSearch: semanticSearch
    disableLocalAuth: true
    publicNetworkAccess: toLower(publicNetworkAccess)
    networkRuleSet: {
      ipRules: []
    }
  }
}

// The vectorizer runs inside the search service and must reach Azure OpenAI privately too.
// The request shows up on the OpenAI account as a pending private endpoint connection that an
// administrator approves once (infra/README.md, step 3).
resource openAiLink 'Microsoft.Search/searchServices/sharedPrivateLinkResources@2024-06-01-preview' = if (privateNetworking) {
  parent: search
  name: 'openai'
  properties: {
    privateLinkResourceId: openAiAccountId
    groupId: 'openai_account'
    requestMessage: 'Azure AI Search vectorizer for the regulations bot'
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: search
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output id string = search.id
output name string = search.name
output endpoint string = 'https://${search.name}.search.windows.net'
output principalId string = search.identity.principalId
