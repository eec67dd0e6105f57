// The bot's host: App Service on Linux running `python app.py serve` (aiohttp) on Python 3.11,
// as the user-assigned managed identity. The app settings below are the app's own setting names
// (settings.py) plus a few that the App Service platform itself reads.

param name string

param location string

param tags object = {}

@description('B1 is enough for one city office and supports VNet integration; P0v3 or above for more headroom.')
param skuName string = 'B1'

@description('Instances of the plan. One by default: the question volume of one office is small.')
@minValue(1)
param instanceCount int = 1

@description('User-assigned identity the app runs as (bot identity and Azure data access).')
param identityId string

param identityClientId string

@allowed([
  'UserAssignedMSI'
  'SingleTenant'
])
param botAuth string

@description('MicrosoftAppId: the identity\'s client id (UserAssignedMSI) or the app registration\'s (SingleTenant).')
param botAppId string

@description('Key Vault holding the bot secret (SingleTenant only; empty otherwise).')
param keyVaultName string = ''

param searchEndpoint string

param searchIndexName string

param openAiEndpoint string

param chatDeployment string

param embeddingDeployment string

param embeddingDimensions int

@description('The model behind the embedding deployment: the index\'s integrated vectorizer names it.')
param embeddingModel string

@description('Table endpoint of the state storage account (https://<account>.table.core.windows.net/).')
param stateTableEndpoint string

param stateTableName string

@allowed([
  'none'
  'graph'
])
param groupResolver string = 'none'

param sensitivityLabel string

param sensitivityDescription string

param helpDesk string

param appInsightsConnectionString string

param logAnalyticsWorkspaceId string

@description('Entra object ids allowed to run /reindex and /status from Teams (comma separated).')
param adminObjectIds string = ''

@description('Subnet for outbound VNet integration; empty = no VNet integration.')
param appSubnetId string = ''

// aiohttp listens here; App Service forwards HTTPS traffic to it (WEBSITES_PORT).
var port = '8000'

var baseSettings = [
  {
    name: 'MicrosoftAppId'
    value: botAppId
  }
  {
    name: 'MicrosoftAppType'
    value: botAuth
  }
  {
    name: 'MicrosoftAppTenantId'
    value: tenant().tenantId
  }
  {
    name: 'REIKI_HOST'
    value: '0.0.0.0'
  }
  {
    name: 'REIKI_PORT'
    value: port
  }
  {
    name: 'REIKI_SEARCH_BACKEND'
    value: 'azure'
  }
  {
    name: 'REIKI_ANSWERER'
    value: 'llm'
  }
  {
    name: 'REIKI_AZURE_SEARCH_ENDPOINT'
    value: searchEndpoint
  }
  {
    name: 'REIKI_AZURE_SEARCH_INDEX'
    value: searchIndexName
  }
  {
    name: 'REIKI_AZURE_OPENAI_ENDPOINT'
    value: openAiEndpoint
  }
  {
    name: 'REIKI_AZURE_OPENAI_CHAT_DEPLOYMENT'
    value: chatDeployment
  }
  {
    name: 'REIKI_AZURE_OPENAI_EMBEDDING_DEPLOYMENT'
    value: embeddingDeployment
  }
  {
    name: 'REIKI_AZURE_OPENAI_EMBEDDING_DIMENSIONS'
    value: string(embeddingDimensions)
  }
  {
    name: 'REIKI_AZURE_CLIENT_ID'
    value: identityClientId
  }
  {
    name: 'REIKI_ADMIN_OBJECT_IDS'
    value: adminObjectIds
  }
  {
    name: 'REIKI_AZURE_OPENAI_EMBEDDING_MODEL'
    value: embeddingModel
  }
  {
    // Every instance shares one store; a SQLite file would give each instance its own history
    // and Teams' retries could be answered twice. Tokens come from REIKI_AZURE_CLIENT_ID's identity.
    name: 'REIKI_STATE_BACKEND'
    value: 'azure_table'
  }
  {
    name: 'REIKI_STATE_TABLE_ENDPOINT'
    value: stateTableEndpoint
  }
  {
    name: 'REIKI_STATE_TABLE_NAME'
    value: stateTableName
  }
  {
    // graph: Microsoft Graph as REIKI_AZURE_CLIENT_ID's identity (no REIKI_GRAPH_CLIENT_SECRET).
    name: 'REIKI_GROUP_RESOLVER'
    value: groupResolver
  }
  {
    name: 'REIKI_SENSITIVITY_LABEL'
    value: sensitivityLabel
  }
  {
    name: 'REIKI_SENSITIVITY_DESCRIPTION'
    value: sensitivityDescription
  }
  {
    name: 'REIKI_HELP_DESK'
    value: helpDesk
  }
  {
    // Platform: the Azure Monitor agent and OpenTelemetry distro read this name.
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: appInsightsConnectionString
  }
  {
    // Platform: turns on App Service's Application Insights agent for Linux.
    name: 'ApplicationInsightsAgent_EXTENSION_VERSION'
    value: '~3'
  }
  {
    // Platform: build (pip install -r requirements.txt) on zip deploy.
    name: 'SCM_DO_BUILD_DURING_DEPLOYMENT'
    value: 'true'
  }
  {
    // Platform: the port the container listens on.
    name: 'WEBSITES_PORT'
    value: port
  }
]

// The secret itself stays in Key Vault; App Service resolves the reference as the identity.
var secretSettings = botAuth == 'SingleTenant' ? [
  {
    name: 'MicrosoftAppPassword'
    value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=bot-app-password)'
  }
] : []

var privateNetworking = !empty(appSubnetId)

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  // checkov:skip=CKV_AZURE_225: zone redundancy needs Premium v3 with three instances; a single office's Q&A bot can tolerate a short outage (raise skuName/instanceCount to change this)
  name: 'asp-${name}'
  location: location
  tags: tags
  kind: 'linux'
  sku: {
    name: skuName
    capacity: instanceCount
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2023-12-01' = {
  // checkov:skip=CKV_AZURE_222: Teams reaches the bot only through Azure Bot Service over the internet, so the site keeps a public endpoint; inbound is limited to the AzureBotService service tag below
  // checkov:skip=CKV_AZURE_17: the Bot Framework connector does not present client certificates; every activity carries a JWT that the adapter validates
  // checkov:skip=CKV_AZURE_212: instances are the plan's instanceCount parameter; one by default for a single office's volume
  name: 'app-${name}'
  location: location
  tags: tags
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    keyVaultReferenceIdentity: identityId
    virtualNetworkSubnetId: privateNetworking ? appSubnetId : null
    vnetRouteAllEnabled: privateNetworking
    siteConfig: {
      linuxFxVersion: 'PYTHON|3.11'
      appCommandLine: 'python app.py serve'
      alwaysOn: true
      healthCheckPath: '/healthz'
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      remoteDebuggingEnabled: false
      httpLoggingEnabled: true
      detailedErrorLoggingEnabled: true
      requestTracingEnabled: true
      cors: {
        allowedOrigins: []
      }
      // Only Azure Bot Service posts to /api/messages; everything else is refused at the front end.
      ipSecurityRestrictionsDefaultAction: 'Deny'
      ipSecurityRestrictions: [
        {
          name: 'azure-bot-service'
          action: 'Allow'
          priority: 100
          tag: 'ServiceTag'
          ipAddress: 'AzureBotService'
        }
      ]
      // Deployment (Kudu) keeps its own rules: Entra ID sign-in only, basic auth is off below.
      scmIpSecurityRestrictionsUseMain: false
      appSettings: concat(baseSettings, secretSettings)
    }
  }
}

// Publishing with user name and password is off: deployments sign in with Entra ID.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: site
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

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
