// Key Vault for the bot's client secret, deployed only when the bot is a SingleTenant app
// registration (botAuth=SingleTenant). The default UserAssignedMSI bot has no secret at all.
// The secret's value never passes through this template: an operator sets it once with
// `az keyvault secret set` (infra/README.md), and the app reads it through a Key Vault reference.

param name string

param location string

param tags object = {}

@description('Disabled with privateNetworking (閉域/LGWAN): reached through a private endpoint only.')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string = 'Disabled'

var privateNetworking = publicNetworkAccess == 'Disabled'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  // checkov:skip=CKV_AZURE_109: the firewall default is Deny with privateNetworking=true; with false the vault is reached over the internet with Entra RBAC only (App Service resolves references from outside any VNet)
  // checkov:skip=CKV_AZURE_189: public access is the privateNetworking=false choice; privateNetworking=true sets Disabled (tests/test_infra.py checks it)
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: publicNetworkAccess
    networkAcls: {
      defaultAction: privateNetworking ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
      ipRules: []
      virtualNetworkRules: []
    }
  }
}

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
