// Log Analytics workspace and workspace-based Application Insights for the bot's host.
// The connection string is not a secret (it only allows sending telemetry); the app host reads it
// from APPLICATIONINSIGHTS_CONNECTION_STRING.

@description('Prefix for resource names.')
param name string

param location string

param tags object = {}

@description('How long Log Analytics keeps logs. 90 days covers a quarterly audit of who asked what was answered.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 90

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${name}'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${name}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
  }
}

output workspaceId string = workspace.id
output appInsightsConnectionString string = appInsights.properties.ConnectionString
