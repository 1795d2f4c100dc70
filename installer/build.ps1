# Build the LMM Desktop bundle (PyInstaller, one folder) on Windows.
#
#   powershell -ExecutionPolicy Bypass -File installer\build.ps1 [-Variant cpu|cuda] [-Python py]
#                                                                [-Venv DIR] [-SkipInstall] [-NoSmoke]
#
# Same steps as build.sh: a clean venv, torch FIRST (CPU or CUDA wheel), then the app
# (non-editable) and PyInstaller, icons, installer\lmm_desktop.spec -> dist\lmm-desktop\, smoke test.
# PyInstaller is installed only here: it is not a dependency of the app.
[CmdletBinding()]
param(
    [ValidateSet("cpu", "cuda")] [string] $Variant = "cpu",
    [string] $Python = "py",
    [string] $Venv = "",
    [switch] $SkipInstall,
    [switch] $NoSmoke
)
$ErrorActionPreference = "Stop"

$Root = (Resolve-Path (Join-Path $PSScriptRoot "..")).Path
if (-not $Venv) { $Venv = Join-Path $Root "build\installer-venv" }
$TorchVersion = if ($env:LMM_TORCH_VERSION) { $env:LMM_TORCH_VERSION } else { "2.13.0" }
# LMM_TORCH_INDEX_URL overrides where torch comes from (set it to "" for pip's configured index).
if ($null -ne $env:LMM_TORCH_INDEX_URL) {
    $TorchIndex = $env:LMM_TORCH_INDEX_URL
} elseif ($Variant -eq "cuda") {
    $TorchIndex = "https://download.pytorch.org/whl/cu128"
} else {
    $TorchIndex = "https://download.pytorch.org/whl/cpu"
}

function Invoke-Checked {
    param([string] $Exe, [string[]] $Arguments)
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "'$Exe $($Arguments -join ' ')' failed with exit code $LASTEXITCODE" }
}

if (-not $SkipInstall) {
    Write-Host "==> virtual environment $Venv"
    $pyArgs = @()
    if ($Python -eq "py") { $pyArgs += "-3.11" }
    Invoke-Checked $Python ($pyArgs + @("-m", "venv", $Venv))
}
$Py = Join-Path $Venv "Scripts\python.exe"
if (-not (Test-Path $Py)) { throw "No Python in '$Venv' (drop -SkipInstall)" }

if (-not $SkipInstall) {
    Invoke-Checked $Py @("-m", "pip", "install", "--upgrade", "pip")
    Write-Host "==> torch $TorchVersion ($Variant)"
    $torchArgs = @("-m", "pip", "install", "torch==$TorchVersion")
    if ($TorchIndex) { $torchArgs += @("--index-url", $TorchIndex) }
    Invoke-Checked $Py $torchArgs
    Write-Host "==> LMM Desktop and PyInstaller"
    Invoke-Checked $Py @("-m", "pip", "install", $Root, "pyinstaller>=6.10,<7")
}

if ($Variant -eq "cpu") {
    $cuda = & $Py -m pip list 2>$null | Select-String -Pattern '^(nvidia-|triton)'
    if ($cuda) {
        throw "The CPU build environment contains CUDA packages ($($cuda -join ', ')); recreate it (torch first, from the CPU index)."
    }
}

Write-Host "==> icons"
$IconDir = Join-Path $Root "build\icons"
Invoke-Checked $Py @((Join-Path $Root "installer\render_icons.py"), $IconDir)

Write-Host "==> PyInstaller"
$env:LMM_BUILD_VARIANT = $Variant
$env:LMM_ICON_DIR = $IconDir
$watch = [System.Diagnostics.Stopwatch]::StartNew()
Push-Location $Root
try {
    Invoke-Checked $Py @("-m", "PyInstaller", "--noconfirm", "--clean",
        "--distpath", (Join-Path $Root "dist"), "--workpath", (Join-Path $Root "build\pyinstaller"),
        (Join-Path $Root "installer\lmm_desktop.spec"))
} finally {
    Pop-Location
}
$Dist = Join-Path $Root "dist\lmm-desktop"
$sizeMb = [math]::Round(((Get-ChildItem $Dist -Recurse -File | Measure-Object Length -Sum).Sum) / 1MB)
Write-Host "built dist\lmm-desktop in $([int]$watch.Elapsed.TotalSeconds) s, $sizeMb MB"

if (-not $NoSmoke) {
    Write-Host "==> smoke test"
    $App = Join-Path $Dist "lmm-desktop.exe"
    Invoke-Checked $App @("--version")
    $demo = Get-ChildItem (Join-Path $Root "resources\demo") -Filter "*walking*.mot" -ErrorAction SilentlyContinue |
        Select-Object -First 1
    if ($demo) {
        # gait analysis reads the bundled normative data and built-in model; run it from elsewhere
        $env:LMM_DESKTOP_HOME = Join-Path ([System.IO.Path]::GetTempPath()) "lmm-desktop-smoke"
        Push-Location ([System.IO.Path]::GetTempPath())
        try { Invoke-Checked $App @("analyze", $demo.FullName) | Out-Null } finally { Pop-Location }
        Write-Host "frozen 'analyze' on $($demo.Name): ok"
    }
}
