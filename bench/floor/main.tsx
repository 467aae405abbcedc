// The bundle floor: react + react-dom rendering one element, built like the console.
import { createRoot } from 'react-dom/client';

createRoot(document.getElementById('root')!).render(<p>floor</p>);
