@echo off
rem Repo-local JBang launcher for Windows: plays the role mvnw.cmd plays for Maven.
rem
rem On first use it downloads dev.jbang:jbang-cli:VERSION:all from Maven Central
rem (or the mirror named by JBANG_WRAPPER_MAVEN_URL), checks its pinned SHA-256 and
rem keeps it in .jbang\ next to this script (git-ignored). Then it runs JBang the
rem way JBang's own jbang.cmd does.
rem
rem Environment:
rem   JBANG_WRAPPER_MAVEN_URL  Maven repository base URL to download from
rem                            (default https://repo1.maven.org/maven2)
rem   JAVA_HOME                JDK to use (else java.exe on PATH)
rem   JBANG_JAVA_OPTIONS       extra JVM options for JBang itself
rem   JBANG_WIN_UTF8           set to false to keep the console code page
rem
rem Delayed expansion stays off so "!" in arguments survives; paths are only used
rem quoted or outside parenthesised blocks, so "&" and ")" in them are safe.
setlocal EnableExtensions DisableDelayedExpansion

set "JBW_VERSION=0.132.1"
set "JBW_SHA256=f977075849cff866f45b27997f5671ab8a336a5dd3cf9e702b3479128338f3a7"
set "JBW_JAR_NAME=jbang-cli-%JBW_VERSION%-all.jar"
set "JBW_DIR=%~dp0.jbang"
set "JBW_JAR=%JBW_DIR%\%JBW_JAR_NAME%"
set "JBW_RC=1"
set "JBW_DLDIR="

rem Use the UTF-8 code page (as JBang's own jbang.cmd does) unless disabled
set "JBW_CP="
if /i "%JBANG_WIN_UTF8%"=="false" goto jbw_cp_done
for /f "tokens=2 delims=:." %%G in ('chcp') do set /a "JBW_CP=%%G" >nul 2>&1
chcp 65001 >nul
:jbw_cp_done

rem ---- find a JDK --------------------------------------------------------------
set "JBW_JAVA="
if not defined JAVA_HOME goto jbw_java_on_path
if exist "%JAVA_HOME%\bin\java.exe" set "JBW_JAVA=%JAVA_HOME%\bin\java.exe"
if not defined JBW_JAVA echo jbang wrapper: warning: JAVA_HOME="%JAVA_HOME%" has no bin\java.exe, trying java on PATH 1>&2
:jbw_java_on_path
if defined JBW_JAVA goto jbw_java_found
for %%J in (java.exe) do set "JBW_JAVA=%%~$PATH:J"
if defined JBW_JAVA goto jbw_java_found
echo jbang wrapper: error: no JDK found: install JDK 17 or newer and set JAVA_HOME or put java on PATH 1>&2
goto jbw_fail
:jbw_java_found

if exist "%JBW_JAR%" goto jbw_run

rem ---- download the JBang jar once -------------------------------------------
set "JBW_BASE=https://repo1.maven.org/maven2"
if defined JBANG_WRAPPER_MAVEN_URL set "JBW_BASE=%JBANG_WRAPPER_MAVEN_URL%"
:jbw_strip_slash
if not "%JBW_BASE:~-1%"=="/" goto jbw_base_ready
set "JBW_BASE=%JBW_BASE:~0,-1%"
goto jbw_strip_slash
:jbw_base_ready
set "JBW_URL=%JBW_BASE%/dev/jbang/jbang-cli/%JBW_VERSION%/%JBW_JAR_NAME%"

if not exist "%JBW_DIR%\" mkdir "%JBW_DIR%" >nul 2>&1
if exist "%JBW_DIR%\" goto jbw_dir_ok
echo jbang wrapper: error: cannot create "%JBW_DIR%" 1>&2
goto jbw_fail
:jbw_dir_ok

rem A private folder per process, renamed into place at the end, so that
rem concurrent first runs never see or produce a partial jar.
set "JBW_PREFIX=%JBW_DIR%\download"
call :jbw_mkdir_unique || goto jbw_fail
set "JBW_DLDIR=%JBW_UNIQUE%"
set "JBW_TMP=%JBW_DLDIR%\%JBW_JAR_NAME%"

echo Downloading JBang %JBW_VERSION% from %JBW_URL% 1>&2
set "JBW_CURL="
for %%C in (curl.exe) do set "JBW_CURL=%%~$PATH:C"
if not defined JBW_CURL goto jbw_dl_powershell
"%JBW_CURL%" -fsSL --retry 3 -o "%JBW_TMP%" "%JBW_URL%"
if errorlevel 1 goto jbw_dl_failed
goto jbw_verify

:jbw_dl_powershell
rem values are passed through the environment to avoid quoting problems
powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command "$ProgressPreference='SilentlyContinue'; [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12; try { Invoke-WebRequest -UseBasicParsing -Uri $env:JBW_URL -OutFile $env:JBW_TMP -ErrorAction Stop } catch { [Console]::Error.WriteLine($_.Exception.Message); exit 1 }"
if errorlevel 1 goto jbw_dl_failed
if not exist "%JBW_TMP%" goto jbw_dl_failed

:jbw_verify
set "JBW_ACTUAL="
for /f "usebackq delims=" %%H in (`powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command "(Get-FileHash -Algorithm SHA256 -LiteralPath $env:JBW_TMP).Hash.ToLower()" 2^>nul`) do set "JBW_ACTUAL=%%H"
if defined JBW_ACTUAL goto jbw_compare
rem fallback without Get-FileHash (PowerShell older than 4): certutil, 2nd line
for /f "skip=1 delims=" %%H in ('certutil -hashfile "%JBW_TMP%" SHA256') do if not defined JBW_ACTUAL set "JBW_ACTUAL=%%H"
if defined JBW_ACTUAL set "JBW_ACTUAL=%JBW_ACTUAL: =%"
:jbw_compare
if /i "%JBW_ACTUAL%"=="%JBW_SHA256%" goto jbw_verified
echo jbang wrapper: error: SHA-256 mismatch for %JBW_URL% 1>&2
echo   expected: %JBW_SHA256% 1>&2
echo   actual:   %JBW_ACTUAL% 1>&2
echo The downloaded file was deleted. 1>&2
goto jbw_fail

:jbw_verified
rem if another process won the race (and may hold the jar open) keep its copy
move /y "%JBW_TMP%" "%JBW_JAR%" >nul 2>&1
rd /s /q "%JBW_DLDIR%" >nul 2>&1
set "JBW_DLDIR="
if exist "%JBW_JAR%" goto jbw_run
echo jbang wrapper: error: could not store "%JBW_JAR%" 1>&2
goto jbw_fail

:jbw_dl_failed
echo jbang wrapper: error: download of %JBW_URL% failed 1>&2
goto jbw_fail

rem ---- run JBang like its own jbang.cmd --------------------------------------
:jbw_run
set "JBANG_RUNTIME_SHELL=cmd"
set "JBANG_LAUNCH_CMD=%~f0"
rem tell jbang whether stdin is a tty or not
2>nul >nul timeout /t 0 && (set JBANG_STDIN_NOTTY=false) || (set JBANG_STDIN_NOTTY=true)

rem JBang writes the command to run to stdout and exits with 255; capture it
rem in a private temp folder (avoids %RANDOM% name clashes of parallel runs).
set "JBW_PREFIX=%JBW_DIR%\run"
call :jbw_mkdir_unique || goto jbw_fail
set "JBW_RUNDIR=%JBW_UNIQUE%"
set "JBW_OUT=%JBW_RUNDIR%\output.txt"

"%JBW_JAVA%" > "%JBW_OUT%" %JBANG_JAVA_OPTIONS% -classpath "%JBW_JAR%" dev.jbang.Main %* || goto jbw_java_error
set "JBW_RC=%ERRORLEVEL%"
goto jbw_java_done
:jbw_java_error
set "JBW_RC=%ERRORLEVEL%"
rem exit code 0 here means the redirect itself failed
if "%JBW_RC%"=="0" set "JBW_RC=1"
:jbw_java_done

if not "%JBW_RC%"=="255" goto jbw_print_output
set "JBW_CMD="
for /f "usebackq delims=" %%L in ("%JBW_OUT%") do if not defined JBW_CMD set "JBW_CMD=%%L"
rd /s /q "%JBW_RUNDIR%" >nul 2>&1
%JBW_CMD%
set "JBW_RC=%ERRORLEVEL%"
goto jbw_exit

:jbw_print_output
type "%JBW_OUT%"
rd /s /q "%JBW_RUNDIR%" >nul 2>&1
goto jbw_exit

:jbw_fail
if defined JBW_DLDIR rd /s /q "%JBW_DLDIR%" >nul 2>&1
set "JBW_RC=1"

:jbw_exit
if defined JBW_CP chcp %JBW_CP% >nul
exit /b %JBW_RC%

rem ---- subroutine: create a fresh folder %JBW_PREFIX%.N, set JBW_UNIQUE ----
rem mkdir is atomic, so parallel runs that draw the same %RANDOM% just retry.
:jbw_mkdir_unique
set /a "JBW_TRIES=0"
:jbw_mkdir_unique_loop
set "JBW_UNIQUE=%JBW_PREFIX%.%RANDOM%%RANDOM%"
mkdir "%JBW_UNIQUE%" >nul 2>&1 && exit /b 0
set /a "JBW_TRIES+=1"
if %JBW_TRIES% LSS 200 goto jbw_mkdir_unique_loop
echo jbang wrapper: error: cannot create a temporary folder under "%JBW_DIR%" 1>&2
exit /b 1
