/**
 * The preload (sandboxed: it is bundled into one CommonJS file, since a sandboxed preload can only
 * require `electron` and a few built-ins). It exposes `window.kiosk` and nothing else.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createKioskBridge } from './bridge';

contextBridge.exposeInMainWorld('kiosk', createKioskBridge(ipcRenderer));
