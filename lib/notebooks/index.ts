export { NOTEBOOKS, type NotebooksConfig } from './config';
export { checkNotebooks } from './rules';
export { NotebooksStack, type NotebooksStackProps, notebookProfileName } from './stack';
