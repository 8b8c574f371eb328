; Coffer's additions to electron-builder's NSIS installer (electron-builder includes
; build/installer.nsh on its own and inserts these macros when they are defined).
;
; They write the same per-user Explorer integration as electron/core/shell/windows-generators.ts
; (`coffer shell install`); keep the two in step (test/integration/windows-integration.test.ts
; compares them and compiles this file with makensis):
;   - "Encrypt with Coffer" on every file (*\shell) and every folder (Directory\shell),
;   - the .coffer extension -> ProgID Coffer.File: icon, "Decrypt with Coffer", and open
;     (double-click) in Coffer.
;
; Everything goes under HKCU\Software\Classes, so no administrator rights are needed and
; Explorer merges it into HKEY_CLASSES_ROOT. (With a per-machine install the keys belong to the
; user who ran the installer.) HKCU\Software\Classes is shared between 32- and 64-bit views.
;
; MultiSelectModel=Player: a command verb starts one Coffer per selected item; Player keeps the
; verb in the menu for up to 100 items (the implied Document model hides it above 15), and the
; single-instance app collects the launches into one request.
;
; The command values quote the executable (spaces, &, ', ^, non-ASCII are fine inside quotes;
; Explorer starts it with CreateProcess, no cmd.exe) and the placeholder, which comes last.
; Single-quoted NSIS strings keep the double quotes literal; $INSTDIR is expanded at run time
; and ${APP_EXECUTABLE_FILENAME} at compile time. An install folder containing % would not work:
; Explorer reads % as the start of a placeholder.

!ifndef COFFER_INSTALLER_NSH
!define COFFER_INSTALLER_NSH

!macro customInstall
  ; "Encrypt with Coffer" on every file.
  WriteRegStr HKCU "Software\Classes\*\shell\CofferEncrypt" "" "Encrypt with Coffer"
  WriteRegStr HKCU "Software\Classes\*\shell\CofferEncrypt" "Icon" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}",0'
  WriteRegStr HKCU "Software\Classes\*\shell\CofferEncrypt" "MultiSelectModel" "Player"
  WriteRegStr HKCU "Software\Classes\*\shell\CofferEncrypt\command" "" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" --encrypt "%1"'

  ; "Encrypt with Coffer" on every folder (%V: the folder's path).
  WriteRegStr HKCU "Software\Classes\Directory\shell\CofferEncrypt" "" "Encrypt with Coffer"
  WriteRegStr HKCU "Software\Classes\Directory\shell\CofferEncrypt" "Icon" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}",0'
  WriteRegStr HKCU "Software\Classes\Directory\shell\CofferEncrypt" "MultiSelectModel" "Player"
  WriteRegStr HKCU "Software\Classes\Directory\shell\CofferEncrypt\command" "" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" --encrypt "%V"'

  ; .coffer files belong to the ProgID Coffer.File.
  WriteRegStr HKCU "Software\Classes\.coffer" "" "Coffer.File"
  WriteRegStr HKCU "Software\Classes\Coffer.File" "" "Coffer encrypted file"
  WriteRegStr HKCU "Software\Classes\Coffer.File\DefaultIcon" "" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}",0'

  ; Double-click opens the file in Coffer (no menu text: Windows shows its own "Open").
  WriteRegStr HKCU "Software\Classes\Coffer.File\shell\open" "MultiSelectModel" "Player"
  WriteRegStr HKCU "Software\Classes\Coffer.File\shell\open\command" "" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" "%1"'

  ; "Decrypt with Coffer" on .coffer files.
  WriteRegStr HKCU "Software\Classes\Coffer.File\shell\CofferDecrypt" "" "Decrypt with Coffer"
  WriteRegStr HKCU "Software\Classes\Coffer.File\shell\CofferDecrypt" "Icon" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}",0'
  WriteRegStr HKCU "Software\Classes\Coffer.File\shell\CofferDecrypt" "MultiSelectModel" "Player"
  WriteRegStr HKCU "Software\Classes\Coffer.File\shell\CofferDecrypt\command" "" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" --decrypt "%1"'

  ; Tell Explorer that file associations changed (SHCNE_ASSOCCHANGED), so the icon shows at once.
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
!macroend

!macro customUnInstall
  ; Delete exactly the keys customInstall created, each with its subkeys; the shared parents
  ; (*\shell, Directory\shell) stay. On an update electron-builder runs the old uninstaller
  ; before the new files and customInstall, which writes the keys again.
  DeleteRegKey HKCU "Software\Classes\*\shell\CofferEncrypt"
  DeleteRegKey HKCU "Software\Classes\Directory\shell\CofferEncrypt"
  DeleteRegKey HKCU "Software\Classes\.coffer"
  DeleteRegKey HKCU "Software\Classes\Coffer.File"
  ; electron-builder's uninstall section calls SHChangeNotify after this macro.
!macroend

!endif
