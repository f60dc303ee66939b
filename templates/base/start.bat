@echo off
rem Starts the server. Settings come from the environment (see src\config.js),
rem e.g.  set PORT=8080 ^& start.bat
cd /d "%~dp0"
node src\server.js %*
