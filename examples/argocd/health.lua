-- Argo CD health check for Stowage: claims (DatabaseClaim, BucketClaim) and
-- managed resources (*.aws, *.azure, *.gcp.stowage.dev). Argo CD sets obj
-- to the live object; the script returns {status = ..., message = ...}.
-- argocd-cm.yaml carries this same script; the tests check they agree.

local hs = {}

local function condition(t)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == t then
      return c
    end
  end
  return nil
end

local function text(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  if c ~= nil and c.reason ~= nil and c.reason ~= "" then
    return c.reason
  end
  return fallback
end

if obj.metadata.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  hs.message = "Being deleted"
  return hs
end

-- Paused, or only watching: Stowage changes nothing in the cloud.
local annotations = obj.metadata.annotations
if annotations ~= nil and annotations["crossplane.io/paused"] == "true" then
  hs.status = "Suspended"
  hs.message = "Paused (crossplane.io/paused: true)"
  return hs
end
local policies = obj.spec ~= nil and obj.spec.managementPolicies or nil
if policies ~= nil and #policies == 1 and policies[1] == "Observe" then
  hs.status = "Suspended"
  hs.message = "Observe only (managementPolicies: [Observe])"
  return hs
end

local ready, synced = condition("Ready"), condition("Synced")
if ready == nil and synced == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to report status"
  return hs
end

-- The controller has not acted on the latest spec yet: claims say so in
-- status.observedGeneration, managed resources on their Synced condition.
local generation = obj.metadata.generation or 0
local observed = nil
if obj.status.observedGeneration ~= nil then
  observed = obj.status.observedGeneration
elseif synced ~= nil and synced.observedGeneration ~= nil then
  observed = synced.observedGeneration
end
if observed ~= nil and observed < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to act on generation " .. generation
  return hs
end

if synced ~= nil and synced.status == "False" then
  hs.status = "Degraded"
  hs.message = text(synced, "Not synced")
  return hs
end
local stalled = condition("Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = text(stalled, "Stalled")
  return hs
end

-- Unavailable: the cloud reports the object unusable (failed, stopped, out
-- of capacity); it is not on its way to Ready by itself.
if ready ~= nil and ready.status == "False" and ready.reason == "Unavailable" then
  hs.status = "Degraded"
  hs.message = text(ready, "Unavailable")
  return hs
end
-- A claim still on its way, e.g. Ready but its managed resources have not
-- acted on an edit yet.
local reconciling = condition("Reconciling")
if reconciling ~= nil and reconciling.status == "True" then
  hs.status = "Progressing"
  hs.message = text(reconciling, "Reconciling")
  return hs
end
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = text(ready, "Ready")
  return hs
end

hs.status = "Progressing"
hs.message = text(ready, "Not ready yet")
return hs
