'use client';

import { usePathname } from 'next/navigation';
import { useEffect } from 'react';
import { keepPageOffline, registerShellWorker } from '../lib/shellWorker';

/** Registers the app shell's service worker from the app's own pages, and has it keep this page (renders nothing). */
export function ShellWorker() {
  const pathname = usePathname();
  useEffect(() => registerShellWorker(), []);
  useEffect(() => keepPageOffline(pathname), [pathname]);
  return null;
}
