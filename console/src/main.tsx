import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { tokenStore } from './api.js';
import { AccountingPage } from './pages/AccountingPage.js';
import { ConsentsPage } from './pages/ConsentsPage.js';
import { DevicePage } from './pages/DevicePage.js';
import { FleetPage } from './pages/FleetPage.js';
import { LoginPage } from './pages/LoginPage.js';
import { TimelinePage } from './pages/TimelinePage.js';
import './styles.css';

/**
 * `pythia up` prints the console's address with the token in the fragment (#token=...), which the
 * browser never sends to a server: it is kept in sessionStorage (this tab only) and the fragment
 * replaced, so that the token leaves the address bar and the history.
 */
function takeTokenFromFragment(): void {
  const match = /^#token=([0-9a-fA-F]{1,200})$/.exec(window.location.hash);
  if (!match) return;
  tokenStore.set(match[1]!);
  history.replaceState(null, '', `${window.location.pathname}#/fleet`);
}

const REFUSED = 'The node refused this console token: log in with the one `pythia up` printed (or <data dir>/console-token).';

function useRoute(): string {
  const [route, setRoute] = useState(window.location.hash.slice(1) || '/fleet');
  useEffect(() => {
    const onChange = () => setRoute(window.location.hash.slice(1) || '/fleet');
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** The page of a route (#/...); each sends the user back to the login when the node refuses the token. */
function page(route: string, refused: () => void) {
  const device = /^\/devices\/(0x[0-9a-fA-F]{40})$/.exec(route)?.[1];
  if (device) return <DevicePage device={device} onRefused={refused} />;
  if (route === '/timeline') return <TimelinePage onRefused={refused} />;
  if (route === '/accounting') return <AccountingPage onRefused={refused} />;
  if (route === '/consents') return <ConsentsPage onRefused={refused} />;
  return <FleetPage onRefused={refused} />;
}

function App() {
  const route = useRoute();
  const [token, setToken] = useState(tokenStore.get());
  const [notice, setNotice] = useState<string>();
  if (!token || route === '/login')
    return (
      <LoginPage
        notice={notice}
        onLogin={(t) => {
          setNotice(undefined);
          tokenStore.set(t);
          setToken(t);
          window.location.hash = '#/fleet';
        }}
      />
    );
  const logout = () => {
    tokenStore.clear();
    setToken(null);
  };
  const refused = () => {
    setNotice(REFUSED);
    logout();
  };
  return (
    <>
      <header className="top">
        <strong>Pythia council console</strong>
        <nav>
          <a href="#/fleet" className={route === '/fleet' ? 'current' : ''}>
            Fleet
          </a>
          <a href="#/timeline" className={route === '/timeline' ? 'current' : ''}>
            Timeline
          </a>
          <a href="#/accounting" className={route === '/accounting' ? 'current' : ''}>
            Accounting log
          </a>
          <a href="#/consents" className={route === '/consents' ? 'current' : ''}>
            Consents
          </a>
        </nav>
        <button type="button" onClick={logout}>
          Log out
        </button>
      </header>
      <main>{page(route, refused)}</main>
    </>
  );
}

takeTokenFromFragment();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
