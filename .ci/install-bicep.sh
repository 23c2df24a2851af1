#!/usr/bin/env bash
# Restores the Bicep CLI from NuGet (Azure.Bicep.CommandLine.linux-x64, pinned in .ci/bicep/bicep.csproj)
# and prints the absolute path of the `bicep` executable on stdout. Idempotent: no restore when present.
# Usage: export BICEP_PATH=$(bash .ci/install-bicep.sh)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project="$here/bicep/bicep.csproj"
package="azure.bicep.commandline.linux-x64"
version="$(sed -n 's/.*Include="Azure.Bicep.CommandLine.linux-x64" Version="\[\{0,1\}\([0-9.]*\)\]\{0,1\}".*/\1/p' "$project")"
if [ -z "$version" ]; then
  echo "install-bicep: cannot read the Bicep CLI version from $project" >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

packages_root() {
  if [ -n "${NUGET_PACKAGES:-}" ]; then
    echo "$NUGET_PACKAGES"
  else
    echo "${HOME}/.nuget/packages"
  fi
}

bicep="$(packages_root)/$package/$version/tools/bicep"
if [ ! -f "$bicep" ]; then
  dotnet restore "$project" --verbosity quiet >&2
  if [ ! -f "$bicep" ]; then
    # The global packages folder may be configured elsewhere; ask NuGet where it is.
    root="$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: //p' | sed 's:/*$::')"
    bicep="$root/$package/$version/tools/bicep"
  fi
fi
if [ ! -f "$bicep" ]; then
  echo "install-bicep: bicep not found after restore (looked for $bicep)" >&2
  exit 1
fi
chmod +x "$bicep"
echo "$bicep"
