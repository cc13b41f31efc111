// One page, two apps: the messenger at / and the moderator console at /console. They share no
// state: the messenger holds a device key in IndexedDB, the console a staff token in the session.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ConsoleApp } from './console/ConsoleApp.tsx';
import { MessengerApp } from './messenger/MessengerApp.tsx';
import './ui/styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
const isConsole = window.location.pathname.startsWith('/console');
document.title = isConsole ? 'Safelight · moderator console' : 'Safelight';
createRoot(root).render(<StrictMode>{isConsole ? <ConsoleApp /> : <MessengerApp />}</StrictMode>);
