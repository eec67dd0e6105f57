// Azure Table Storage for the conversation state every app instance shares: history for follow-ups,
// answered-message records (Teams retries) and 👍/👎 feedback (state/table_store.py). One account,
// one table, Entra ID only: shared keys (and so connection strings and SAS) are off, the app's
// identity gets Storage Table Data Contributor (modules/roles.bicep).

param name string

param location string

param tags object = {}

@description('REIKI_STATE_TABLE_NAME: letters and digits, starting with a letter.')
@minLength(3)
@maxLength(63)
param tableName string

@description('Disabled with privateNetworking (閉域/LGWAN): reached through a private endpoint only.')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string = 'Disabled'

var privateNetworking = publicNetworkAccess == 'Disabled'

param logAnalyticsWorkspaceId string

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  // checkov:skip=CKV_AZURE_59: public access is the privateNetworking=false choice (the app then has no VNet to come from); privateNetworking=true sets Disabled (tests/test_infra.py checks it)
  // checkov:skip=CKV_AZURE_35: the firewall default is Deny with privateNetworking=true; with false the app's outbound addresses are shared and may change, so access rests on Entra ID alone (shared keys are off)
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  // Geo-redundant: a copy in the paired region (Japan East ↔ Japan West, so the data stays in
  // Japan); feedback is the one thing here that cannot be rebuilt. A literal, not a parameter:
  // checkov resolves module parameters unreliably, and the replication check must not flap.
  sku: {
    name: 'Standard_GRS'
  }
  properties: {
    accessTier: 'Hot'
    supportsHttpsTrafficOnly: true
    minimumTlsVersion: 'TLS1_2'
    // Entra ID only: no account keys, so no connection string or SAS can be made or leaked.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    publicNetworkAccess: publicNetworkAccess
    networkAcls: {
      defaultAction: privateNetworking ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
      ipRules: []
      virtualNetworkRules: []
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      // A second layer of encryption at rest; it can only be chosen when the account is created.
      requireInfrastructureEncryption: true
      services: {
        // Account-scoped keys for tables too (a later customer-managed key then covers them).
        table: {
          enabled: true
          keyType: 'Account'
        }
        blob: {
          enabled: true
          keyType: 'Account'
        }
      }
    }
  }
}

// Blob soft delete protects nothing here (the state lives in a table, which has no soft delete),
// so deletion is guarded by roles: only the app and the operators can write entities.
resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    cors: {
      corsRules: []
    }
  }
}

// Created here, so the app's own create-table call at its first request only finds it exists.
resource table 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: tableName
}

// Table reads, writes and deletes (with the caller's identity) go to Log Analytics.
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: tableService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        category: 'StorageRead'
        enabled: true
      }
      {
        category: 'StorageWrite'
        enabled: true
      }
      {
        category: 'StorageDelete'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'Transaction'
        enabled: true
      }
    ]
  }
}

output id string = account.id
output name string = account.name
@description('REIKI_STATE_TABLE_ENDPOINT: the account\'s table endpoint, e.g. https://<account>.table.core.windows.net/')
output tableEndpoint string = account.properties.primaryEndpoints.table
output tableName string = table.name
