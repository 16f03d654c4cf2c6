#!/usr/bin/env bash
# Deploy an overlay in the order plain kustomize cannot express (it has no hooks):
#   1. render the overlay (with IMAGE, if given, as the image every workload runs);
#   2. delete the previous migrate Job (a Job's pod template cannot change);
#   3. apply the ConfigMap and the migrate Job alone, and wait until the Job completes
#      (migrations and the content import: `make setup`); stop here if it fails;
#   4. apply everything, and wait for each Deployment's rollout.
# The web pods never migrate: a new version's pods start on the migrated schema, while
# the old ones keep serving (migrations must stay compatible with the running version).
#
#   deploy/k8s/deploy.sh dev|prod [IMAGE]     e.g. registry.example.com/backend-academy:1.4.2
#
# KUBECTL (default: kubectl) and the usual KUBECONFIG / --context settings apply.
set -euo pipefail

overlay=${1:?usage: deploy/k8s/deploy.sh dev|prod [IMAGE]}
image=${2:-}
kubectl=${KUBECTL:-kubectl}
here=$(cd "$(dirname "$0")" && pwd)
source_dir="$here/overlays/$overlay"
[ -f "$source_dir/kustomization.yaml" ] || { echo "no overlay named '$overlay' in $here/overlays" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -n "$image" ]; then
  if [[ "$image" == *@* ]]; then
    pin="newName: \"${image%@*}\", digest: \"${image#*@}\""
  elif [[ "${image##*/}" == *:* ]]; then
    pin="newName: \"${image%:*}\", newTag: \"${image##*:}\""
  else
    echo "IMAGE needs a tag or a digest: $image" >&2
    exit 2
  fi
  mkdir "$work/release"
  cat > "$work/release/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: ["$(realpath --relative-to="$work/release" "$source_dir")"]
images: [{name: backend-academy, $pin}]
YAML
  source_dir="$work/release"
fi

"$kubectl" kustomize "$source_dir" > "$work/all.yaml"
namespace=$(sed -n 's/^  namespace: //p' "$work/all.yaml" | head -n 1)
[ -n "$namespace" ] || { echo "the overlay sets no namespace" >&2; exit 2; }
echo "Deploying overlay '$overlay' to namespace $namespace"

"$kubectl" -n "$namespace" delete job migrate --ignore-not-found --wait=true
"$kubectl" apply -f "$work/all.yaml" -l 'app.kubernetes.io/component in (config,migrate)'

echo "Waiting for the migrate Job (timeout 30 min)…"
deadline=$(( $(date +%s) + 1800 ))
while :; do
  state=$("$kubectl" -n "$namespace" get job migrate \
    -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}')
  case " $state " in
    *" Complete "*) break ;;
    *" Failed "*)
      "$kubectl" -n "$namespace" logs job/migrate --tail=200 >&2 || true
      echo "The migrate Job failed: nothing else was changed." >&2
      exit 1 ;;
  esac
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "The migrate Job did not finish in 30 minutes: nothing else was changed." >&2
    exit 1
  fi
  sleep 5
done

"$kubectl" apply -f "$work/all.yaml"
for deployment in $(sed -n '/^kind: Deployment$/,/^---$/{s/^  name: //p}' "$work/all.yaml"); do
  "$kubectl" -n "$namespace" rollout status "deployment/$deployment" --timeout=15m
done
echo "Deployed."
