# `sam build` runs one target per function (template.yaml: Metadata BuildMethod: makefile), with
# ARTIFACTS_DIR set to that function's artefact directory. Each target runs the project's own build,
# scripts/build.mjs: the same build function and options that write dist/, which `npm run bench`
# measures, so the deployed bytes are the measured bytes (test/template/build-artefact.test.ts).
# SAM's esbuild BuildMethod cannot express code splitting, which the lazy chunks need.
NODE ?= node

build-AuditNotificationBridgeFunction: node_modules
	$(NODE) scripts/build.mjs --function audit-notification-bridge --outdir "$(ARTIFACTS_DIR)"

build-StartMitigationFunction: node_modules
	$(NODE) scripts/build.mjs --function start-mitigation --outdir "$(ARTIFACTS_DIR)"

build-RecordOutcomeFunction: node_modules
	$(NODE) scripts/build.mjs --function record-outcome --outdir "$(ARTIFACTS_DIR)"

build-RequestApprovalFunction: node_modules
	$(NODE) scripts/build.mjs --function request-approval --outdir "$(ARTIFACTS_DIR)"

build-WriteReportFunction: node_modules
	$(NODE) scripts/build.mjs --function write-report --outdir "$(ARTIFACTS_DIR)"
build-ApprovalPageFunction: node_modules
	$(NODE) scripts/build.mjs --function approval-page --outdir "$(ARTIFACTS_DIR)"
build-RetryFailedFindingsFunction: node_modules
	$(NODE) scripts/build.mjs --function retry-failed-findings --outdir "$(ARTIFACTS_DIR)"
build-VerifyAuditFunction: node_modules
	$(NODE) scripts/build.mjs --function verify-audit --outdir "$(ARTIFACTS_DIR)"
build-DispatcherFunction: node_modules
	$(NODE) scripts/build.mjs --function dispatcher --outdir "$(ARTIFACTS_DIR)"

# The build needs the locked dependencies (esbuild, the SDK): `npm ci` once, before `sam build`.
node_modules:
	@echo "node_modules is missing: run npm ci before sam build" >&2; exit 1

.PHONY: build-AuditNotificationBridgeFunction build-StartMitigationFunction build-RecordOutcomeFunction \
	build-RequestApprovalFunction build-WriteReportFunction build-ApprovalPageFunction build-VerifyAuditFunction \
	build-DispatcherFunction build-RetryFailedFindingsFunction
